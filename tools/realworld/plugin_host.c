/* Plugin host for the real-world check (docs/realworld-check.md): loads a
 * plugin with dlopen() after start (so after a preloaded profiler started)
 * and hands it a callback; the plugin calls back into the host for every
 * item and the callback burns the CPU. Built by check.sh with
 * -O2 -fomit-frame-pointer, like the plugin.
 *
 *   plugin_host PLUGIN.so ROUNDS
 *
 * Every sample's true stack: host_burn (or plugin_run) <- plugin_run <-
 * host_run_plugin <- main <- __libc_start_call_main <- ... <- _start. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

typedef unsigned long (*callback_fn)(unsigned long item);
typedef unsigned long (*plugin_run_fn)(const unsigned long *items, unsigned long n,
                                       callback_fn callback);

enum { kItems = 1000 };

/* The callback: a few thousand dependent xorshift steps per item. */
__attribute__((noinline)) unsigned long host_burn(unsigned long item) {
  unsigned long x = item | 1;
  for (int i = 0; i < 3000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

/* The host function that calls into the plugin: every sample should reach it. */
__attribute__((noinline)) unsigned long host_run_plugin(plugin_run_fn run, const unsigned long *items,
                                                        unsigned long n) {
  unsigned long r = run(items, n, host_burn);
  __asm__ volatile("" : "+r"(r));  /* no tail call: keep this frame */
  return r + 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: plugin_host PLUGIN.so ROUNDS\n");
    return 2;
  }
  long rounds = strtol(argv[2], NULL, 10);
  void *plugin = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!plugin) {
    fprintf(stderr, "plugin_host: %s\n", dlerror());
    return 1;
  }
  plugin_run_fn run = (plugin_run_fn)dlsym(plugin, "plugin_run");
  if (!run) {
    fprintf(stderr, "plugin_host: %s\n", dlerror());
    return 1;
  }
  static unsigned long items[kItems];
  for (unsigned long i = 0; i < kItems; ++i) items[i] = i * 2654435761u;
  unsigned long total = 0;
  for (long r = 0; r < rounds; ++r) total += host_run_plugin(run, items, kItems);
  printf("%lu\n", total);
  return 0;
}
