/* A program written for gperftools' CPU profiler, as its users write them:
 * only <gperftools/profiler.h> and its functions, nothing of lcprof's. The
 * tests build it unchanged against lcprof (CMake target, and pkg-config from
 * an installed prefix): `gperf_api OUT`. It profiles gperf_before_flush,
 * flushes (and moves the flushed file to OUT.flushed, so the tests can read
 * what the flush wrote), profiles gperf_after_flush, and stops. */
#include <gperftools/profiler.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile uint64_t sink;

static double ThreadCpuSeconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void Burn(double seconds) {
  const double end = ThreadCpuSeconds() + seconds;
  uint64_t x = 1;
  while (ThreadCpuSeconds() < end) {
    for (int i = 0; i < 100000; ++i) x = x * 2862933555777941757ull + 3037000493ull;
  }
  sink = x;
}

__attribute__((noinline)) void gperf_before_flush(void) {
  Burn(0.4);
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void gperf_after_flush(void) {
  Burn(0.4);
  __asm__ volatile("" ::: "memory");
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (!ProfilerStart(argv[1])) return 3;
  if (ProfilerStart(argv[1])) return 4; /* already running: refused */
  struct ProfilerState state;
  ProfilerGetCurrentState(&state);
  if (!state.enabled || strcmp(state.profile_name, argv[1]) != 0 || state.start_time == 0) return 5;
  if (!ProfilingIsEnabledForAllThreads()) return 6;
  ProfilerRegisterThread();
  gperf_before_flush();
  ProfilerFlush();
  char flushed[4096];
  snprintf(flushed, sizeof flushed, "%s.flushed", argv[1]);
  if (rename(argv[1], flushed) != 0) return 7;
  gperf_after_flush();
  ProfilerGetCurrentState(&state);
  if (state.samples_gathered <= 0) return 8;
  ProfilerStop();
  ProfilerGetCurrentState(&state);
  if (state.enabled || ProfilingIsEnabledForAllThreads()) return 9;
  ProfilerStop(); /* a second stop does nothing */
  printf("gperf_api: ok\n");
  return 0;
}
