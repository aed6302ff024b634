/* A C program linked against isolation_names.c's library, which defines
 * libstdc++ and libprotobuf names: `isolation_prog SECONDS` burns CPU in
 * isolation_burn <- main and prints "ok" (tests/e2e/isolation_test.cc). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int isolation_names_ready(void);

static volatile uint64_t sink;

static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void isolation_burn(double seconds) {
  double end = thread_cpu() + seconds;
  uint64_t x = 2463534242u;
  while (thread_cpu() < end) {
    for (int i = 0; i < 100000; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
  }
  sink = x;
}

int main(int argc, char** argv) {
  if (!isolation_names_ready()) return 1;
  isolation_burn(argc > 1 ? atof(argv[1]) : 0.5);
  puts("ok");
  return 0;
}
