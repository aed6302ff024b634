// A host built without frame pointers (like Debian's programs) that loads a
// plugin after start and is called back by it:
//   main -> run_plugin_items -> plugin_run (in the plugin) -> host_callback
//   unwind_plugin_host PLUGIN_PATH SECONDS      one load, work for SECONDS
//   unwind_plugin_host PLUGIN_PATH storm N      N cycles of load, run, unload
//       on this thread while two workers do the same in a loop: samples walk
//       through a library that is being unloaded.
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint64_t (*plugin_run_fn)(uint64_t (*)(uint64_t), uint64_t);

static const char* g_plugin;
static atomic_int g_stop;

__attribute__((noinline)) uint64_t host_callback(uint64_t x) {
  for (int i = 0; i < 2000; ++i) x = x * 6364136223846793005u + 1442695040888963407u;
  return x >> 60;
}

static void* load_plugin(plugin_run_fn* run) {
  void* h = dlopen(g_plugin, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    exit(2);
  }
  *run = (plugin_run_fn)dlsym(h, "plugin_run");
  return h;
}

__attribute__((noinline)) uint64_t run_plugin_items(plugin_run_fn run, uint64_t items) {
  uint64_t r = run(host_callback, items);
  __asm__ volatile("" : "+r"(r));  // not a tail call: this frame stays on the stack
  return r + 1;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

// One load, a little work through the plugin, one unload: when no other
// thread holds the plugin, dlclose unmaps it.
static uint64_t storm_cycle(void) {
  plugin_run_fn run;
  void* h = load_plugin(&run);
  uint64_t r = run_plugin_items(run, 100);
  dlclose(h);
  return r;
}

static void* storm_worker(void* arg) {
  (void)arg;
  uint64_t acc = 0;
  while (!atomic_load(&g_stop)) acc += storm_cycle();
  return (void*)(uintptr_t)(acc & 1);
}

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: %s PLUGIN SECONDS | %s PLUGIN storm N\n", argv[0], argv[0]);
    return 2;
  }
  g_plugin = argv[1];
  if (strcmp(argv[2], "storm") == 0) {
    const int cycles = argc == 4 ? atoi(argv[3]) : 1000;
    pthread_t workers[2];
    for (int i = 0; i < 2; ++i) pthread_create(&workers[i], NULL, storm_worker, NULL);
    uint64_t acc = 0;
    for (int i = 0; i < cycles; ++i) acc += storm_cycle();
    atomic_store(&g_stop, 1);
    for (int i = 0; i < 2; ++i) pthread_join(workers[i], NULL);
    printf("storm done: %d cycles (%llu)\n", cycles, (unsigned long long)(acc & 0));
    return 0;
  }
  const double seconds = atof(argv[2]);
  const double end = now() + seconds;
  uint64_t acc = 0;
  plugin_run_fn run;
  load_plugin(&run);  // kept loaded: the profile names its functions at exit
  while (now() < end) acc += run_plugin_items(run, 200);
  printf("plugin host done (%llu)\n", (unsigned long long)(acc & 1));
  return 0;
}
