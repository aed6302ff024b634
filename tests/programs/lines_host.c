// A PIE program built with -g for tests/e2e/lines_test.cc: loads a library,
// burns CPU in it, unloads it, burns a little of its own (in a function
// inlined into another), and exits.
//   lines_host PLUGIN SECONDS      one load, SECONDS of CPU in the plugin
//   lines_host PLUGIN storm N      N cycles of load, a little work, unload
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint64_t (*plugin_burn_fn)(uint64_t);

static double cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

// LINES host_mix begin
__attribute__((always_inline)) static inline uint64_t host_mix(uint64_t x) {
  x ^= x >> 31;                    // LINES host_mix first
  return x * 0xbf58476d1ce4e5b9u;  // LINES host_mix hot
}
// LINES host_mix end

// LINES host_spin begin
__attribute__((noinline)) static uint64_t host_spin(uint64_t x, uint64_t rounds) {
  for (uint64_t i = 0; i < rounds; ++i) {
    x = host_mix(x);  // LINES host_spin call
  }
  return x;
}
// LINES host_spin end

__attribute__((noinline)) static uint64_t run_plugin(plugin_burn_fn burn, double seconds) {
  uint64_t r = 0;
  const double end = cpu_seconds() + seconds;
  while (cpu_seconds() < end) r += burn(2000000);
  __asm__ volatile("" : "+r"(r));
  return r;
}

static void* load(const char* path, plugin_burn_fn* burn) {
  void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    exit(2);
  }
  *burn = (plugin_burn_fn)dlsym(h, "plugin_burn");
  if (*burn == NULL) exit(2);
  return h;
}

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[2], "storm") == 0) {
    const long n = atol(argv[3]);
    uint64_t r = 0;
    for (long i = 0; i < n; ++i) {
      plugin_burn_fn burn;
      void* h = load(argv[1], &burn);
      r += burn(20000);
      if (dlclose(h) != 0) return 3;
    }
    printf("storm done %llu\n", (unsigned long long)(r & 1));
    return 0;
  }
  if (argc != 3) {
    fprintf(stderr, "usage: lines_host PLUGIN SECONDS | lines_host PLUGIN storm N\n");
    return 2;
  }
  plugin_burn_fn burn;
  void* h = load(argv[1], &burn);
  uint64_t r = run_plugin(burn, atof(argv[2]));
  if (dlclose(h) != 0) return 3;
  const double end = cpu_seconds() + atof(argv[2]) / 2;
  while (cpu_seconds() < end) r += host_spin(r, 2000000);
  printf("done %llu\n", (unsigned long long)(r & 1));
  return 0;
}
