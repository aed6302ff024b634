/* One member of a process tree for tests/e2e/tree_test.cc, built three times
 * (tree_alpha, tree_beta, tree_gamma) so that each program burns its CPU in
 * functions of its own name: `tree_alpha SECONDS` spends SECONDS of CPU in
 * alpha_hot <- alpha_caller <- main. `tree_alpha SECONDS PROGRAM ARGS...` then
 * execs PROGRAM (the same process, a new image). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define CONCAT2(a, b) a##b
#define CONCAT(a, b) CONCAT2(a, b)
#define HOT CONCAT(MEMBER, _hot)
#define CALLER CONCAT(MEMBER, _caller)

static volatile uint64_t sink;

static double cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

NOINLINE void HOT(double seconds) {
  double end = cpu_seconds() + seconds;
  uint64_t x = 88172645463325252ull;
  while (cpu_seconds() < end) {
    for (int i = 0; i < 100000; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
  }
  sink = x;
}

NOINLINE void CALLER(double seconds) {
  HOT(seconds);
  __asm__ volatile("" ::: "memory");
}

int main(int argc, char** argv) {
  CALLER(argc > 1 ? atof(argv[1]) : 0.3);
  if (argc > 2) {
    execv(argv[2], &argv[2]);
    perror("execv");
    return 127;
  }
  return 0;
}
