/* A library built like a system library: -O2 -fomit-frame-pointer, so a
 * frame-pointer walk cannot cross it. nofp_work calls nofp_inner (kept out of
 * line) which burns CPU; the program calls nofp_work from nofp_caller. */
#include <stdint.h>

static volatile uint64_t nofp_sink;

__attribute__((noinline)) uint64_t nofp_inner(uint64_t x, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

__attribute__((noinline)) uint64_t nofp_work(uint64_t seed, int rounds) {
  uint64_t a = nofp_inner(seed, rounds);
  uint64_t b = nofp_inner(a + 1, rounds);
  nofp_sink = a ^ b;
  return a + b;
}
