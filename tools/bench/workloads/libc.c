/* A libc-heavy mix: `libc SECONDS`. Callers spend their CPU inside libc
 * (which keeps no frame pointers): memcpy and strlen of 1 MiB, qsort with a
 * callback in the program, malloc/free of mixed sizes. Each caller calls
 * libc directly, as real programs do. Prints tid and truth lines. */
#include "truth.h"

#include <string.h>

static char* g_src;
static char* g_dst;

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

NOINLINE static int cmp_ints(const void* a, const void* b) {
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

NOINLINE void malloc_caller(void) {
  static void* held[256];
  uint64_t s = sink | 1;
  for (int i = 0; i < 4096; ++i) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    int k = (int)(s % 256);
    free(held[k]);
    held[k] = malloc(16 + (size_t)(s >> 40) % 4000);
    if (held[k]) ((char*)held[k])[0] = (char)i;
  }
  KEEP_FRAME();
}

int main(int argc, char** argv) {
  g_src = malloc(1u << 20);
  g_dst = malloc(1u << 20);
  memset(g_src, 'a', (1u << 20) - 1);
  g_src[(1u << 20) - 1] = 0;
  struct phase p[] = {{"memcpy_caller", memcpy_caller, 1, 0},
                      {"strlen_caller", strlen_caller, 1, 0},
                      {"qsort_caller", qsort_caller, 1, 0},
                      {"malloc_caller", malloc_caller, 1, 0}};
  run_phases(p, 4, seconds_arg(argc, argv), 2);
  printf("tid %d\n", (int)gettid());
  print_truth(p, 4);
  return 0;
}
