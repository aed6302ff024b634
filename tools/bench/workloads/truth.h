/* Shared by the benchmark's C workloads in tools/bench/workloads/: each
 * spends its CPU in a few named callers and measures, as its own ground
 * truth, the thread CPU time (CLOCK_THREAD_CPUTIME_ID) each caller took.
 * Include it first (it sets _GNU_SOURCE). tools/bench/profile_figures.py
 * reads what a workload prints on stdout:
 *   tid T                 a thread that ran callers (one line per thread)
 *   truth CALLER SECONDS  CPU time spent under CALLER
 * and compares each caller's share of that CPU with its share in the
 * profile (samples whose stack holds CALLER). */
#ifndef BENCH_TRUTH_H
#define BENCH_TRUTH_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
/* After a call, so that the call is not a tail call and the caller's frame
 * stays on the stack. */
#define KEEP_FRAME() __asm__ volatile("" ::: "memory")

static volatile uint64_t sink;

static inline double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift: user-code CPU that no compiler folds away. */
NOINLINE __attribute__((unused)) static void spin(int rounds) {
  uint64_t x = sink + 88172645463325252ull;
  for (int i = 0; i < rounds * 1000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  sink = x;
  KEEP_FRAME();
}

struct phase {
  const char* name;
  void (*fn)(void);
  int weight; /* relative share of the CPU */
  double cpu; /* measured */
};

/* Runs the phases for `seconds` of this thread's CPU, in bursts of ~20 ms
 * drawn by weight from a fixed pseudo-random sequence; clock reads are
 * batched (~2 ms apart) so that they stay a negligible share. */
static inline void run_phases(struct phase* p, int n, double seconds, unsigned seed) {
  int total_weight = 0;
  for (int i = 0; i < n; ++i) total_weight += p[i].weight;
  double start = thread_cpu();
  while (thread_cpu() - start < seconds) {
    int r = (int)(rand_r(&seed) % (unsigned)total_weight), k = 0;
    while (r >= p[k].weight) r -= p[k++].weight;
    double t0 = thread_cpu(), end = t0 + 0.02;
    p[k].fn();
    double one = thread_cpu() - t0;
    int reps = one > 0.002 ? 1 : (int)(0.002 / (one > 1e-7 ? one : 1e-7));
    while (thread_cpu() < end) {
      for (int j = 0; j < reps; ++j) p[k].fn();
    }
    p[k].cpu += thread_cpu() - t0;
  }
}

static inline void print_truth(const struct phase* p, int n) {
  for (int i = 0; i < n; ++i) printf("truth %s %.6f\n", p[i].name, p[i].cpu);
}

/* The workload's length in CPU seconds: argv[1], default 1. */
static inline double seconds_arg(int argc, char** argv) {
  double s = argc > 1 ? atof(argv[1]) : 1.0;
  return s > 0 ? s : 1.0;
}

#endif
