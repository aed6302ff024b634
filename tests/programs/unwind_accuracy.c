/* Ground truth for the unwinders: `unwind_accuracy SEED SECONDS` runs phases
 * in a random order (from SEED), each a burst in one caller, and measures
 * each caller's thread CPU time (CLOCK_THREAD_CPUTIME_ID). Callers:
 *   user_caller    user code (user_hot)
 *   read_caller    read() from /dev/zero: a wrapped libc call
 *   memcpy_caller  memcpy of 1 MiB: unwrapped libc, no frame pointers
 *   strlen_caller  strlen of 1 MiB: unwrapped libc
 *   qsort_caller   qsort with a program callback (cmp_ints) called from libc
 *   nofp_caller    nofp_work in libunwind_nofp.so (-fomit-frame-pointer)
 *   deep_caller    60 frames of recurse() then user_hot
 * Prints "tid T" then one "truth CALLER SECONDS" line per caller. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define KEEP_FRAME() __asm__ volatile("" ::: "memory")

uint64_t nofp_work(uint64_t seed, int rounds);

static volatile uint64_t sink;
static char* g_src;
static char* g_dst;
static int g_zero = -1;

static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

NOINLINE void user_hot(int rounds) {
  uint64_t x = sink + 88172645463325252ull;
  for (int i = 0; i < rounds * 1000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  sink = x;
}

NOINLINE void user_caller(void) {
  user_hot(200);
  KEEP_FRAME();
}

NOINLINE void read_caller(void) {
  static char buf[1 << 16];
  for (int i = 0; i < 4; ++i) sink += (uint64_t)read(g_zero, buf, sizeof buf);
  KEEP_FRAME();
}

NOINLINE void memcpy_caller(void) {
  size_t n = (1u << 20) - (sink & 1);
  memcpy(g_dst, g_src, n);
  sink += (uint64_t)g_dst[n / 2];
  KEEP_FRAME();
}

NOINLINE void strlen_caller(void) {
  sink += strlen(g_src);
  KEEP_FRAME();
}

NOINLINE int cmp_ints(const void* a, const void* b) {
  int x = *(const int*)a, y = *(const int*)b;
  return (x > y) - (x < y);
}

NOINLINE void qsort_caller(void) {
  static int v[4096];
  uint64_t s = sink | 1;
  for (int i = 0; i < 4096; ++i) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    v[i] = (int)s;
  }
  qsort(v, 4096, sizeof v[0], cmp_ints);
  sink += (uint64_t)v[7];
  KEEP_FRAME();
}

NOINLINE void nofp_caller(void) {
  sink += nofp_work(sink, 100000);
  KEEP_FRAME();
}

NOINLINE void recurse(int depth) {
  if (depth == 0) {
    user_hot(200);
  } else {
    recurse(depth - 1);
  }
  KEEP_FRAME();
}

NOINLINE void deep_caller(void) {
  recurse(60);
  KEEP_FRAME();
}

struct phase {
  const char* name;
  void (*fn)(void);
  double cpu;
};

int main(int argc, char** argv) {
  unsigned seed = argc > 1 ? (unsigned)atoi(argv[1]) : 1;
  double seconds = argc > 2 ? atof(argv[2]) : 2.0;
  g_src = malloc(1u << 20);
  g_dst = malloc(1u << 20);
  memset(g_src, 'a', (1u << 20) - 1);
  g_src[(1u << 20) - 1] = 0;
  g_zero = open("/dev/zero", O_RDONLY);
  struct phase phases[] = {
      {"user_caller", user_caller, 0},     {"read_caller", read_caller, 0},
      {"memcpy_caller", memcpy_caller, 0}, {"strlen_caller", strlen_caller, 0},
      {"qsort_caller", qsort_caller, 0},   {"nofp_caller", nofp_caller, 0},
      {"deep_caller", deep_caller, 0},
  };
  const int n = (int)(sizeof phases / sizeof phases[0]);
  /* Random weights: some callers get several times the CPU of others. */
  double weight[16], total_weight = 0;
  srand(seed);
  for (int i = 0; i < n; ++i) total_weight += weight[i] = 1 + rand() % 4;
  double start = thread_cpu();
  /* Bursts of ~20 ms, callers drawn by weight, until the time is spent. */
  while (thread_cpu() - start < seconds) {
    double r = (double)rand() / RAND_MAX * total_weight;
    int k = 0;
    while (k < n - 1 && (r -= weight[k]) > 0) ++k;
    /* Batches of ~2 ms between clock reads: the clock is a system call,
     * which would otherwise be a visible share of its own outside every
     * caller. */
    double t0 = thread_cpu(), end = t0 + 0.02;
    phases[k].fn();
    double one = thread_cpu() - t0;
    int reps = one > 0.002 ? 1 : (int)(0.002 / (one > 1e-7 ? one : 1e-7));
    while (thread_cpu() < end) {
      for (int j = 0; j < reps; ++j) phases[k].fn();
    }
    phases[k].cpu += thread_cpu() - t0;
  }
  printf("tid %d\n", (int)gettid());
  for (int i = 0; i < n; ++i) printf("truth %s %.6f\n", phases[i].name, phases[i].cpu);
  return 0;
}
