// The library of tests/e2e/lines_test.cc, built with -g: the host loads it,
// spends most of its CPU in plugin_spin, and unloads it before exit. The
// LINES markers delimit the function for the test's file:line checks.
#include <stdint.h>

// LINES plugin_spin begin
__attribute__((noinline)) static uint64_t plugin_spin(uint64_t x, uint64_t rounds) {
  for (uint64_t i = 0; i < rounds; ++i) {
    x = x * 6364136223846793005u + 1442695040888963407u;  // LINES plugin_spin hot
    x ^= x >> 29;
  }
  return x;
}
// LINES plugin_spin end

__attribute__((noinline, visibility("default"))) uint64_t plugin_burn(uint64_t rounds) {
  uint64_t r = plugin_spin(rounds, rounds);  // LINES plugin_burn call
  __asm__ volatile("" : "+r"(r));            // not a tail call: this frame stays on the stack
  return r;
}
