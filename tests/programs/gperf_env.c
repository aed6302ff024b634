/* A program a gperftools user profiles with CPUPROFILE alone: it calls no
 * profiler function. Built linked against lcprof (as with -lprofiler) and
 * plain (for LD_PRELOAD). Hot path: gperf_env_hot <- main. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static volatile uint64_t sink;

__attribute__((noinline)) void gperf_env_hot(double seconds) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  const double end = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + seconds;
  uint64_t x = 1;
  for (;;) {
    for (int i = 0; i < 100000; ++i) x = x * 2862933555777941757ull + 3037000493ull;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    if ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9 >= end) break;
  }
  sink = x;
}

int main(void) {
  gperf_env_hot(0.5);
  printf("gperf_env: ok\n");
  return 0;
}
