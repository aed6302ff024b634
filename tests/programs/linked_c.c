/* A C program linked against liblcprof that profiles itself through the C
 * API: `linked_c OUT [HZ]`. Hot path: linked_hot_c <- linked_caller_c <- main. */
#include <lcprof/lcprof.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

__attribute__((noinline)) void linked_hot_c(double seconds) {
  struct timespec ts;
  double end;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  end = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + seconds;
  uint64_t x = 1;
  for (;;) {
    for (int i = 0; i < 100000; ++i) x = x * 2862933555777941757ull + 3037000493ull;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    if ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9 >= end) break;
  }
  sink = x;
}

__attribute__((noinline)) void linked_caller_c(double seconds) {
  linked_hot_c(seconds);
  __asm__ volatile("" ::: "memory");
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  lcprof_options options;
  lcprof_options_init(&options);
  if (argc > 2) options.frequency_hz = atoi(argv[2]);
  if (lcprof_start(argv[1], &options) != 0) {
    printf("start failed: %s\n", lcprof_last_error());
    return 3;
  }
  if (!lcprof_is_running()) return 4;
  if (lcprof_start(argv[1], &options) == 0) return 5; /* a second start must fail */
  linked_caller_c(0.5);
  if (lcprof_stop() != 0) return 6;
  if (lcprof_stop() == 0) return 7; /* stopping twice must fail */
  printf("linked_c: ok\n");
  return 0;
}
