// Stress: dlopen/dlclose of a library 1,000 times while three threads run
// in another dlopen'ed library and are sampled there. Each close unmaps the
// churned library (nothing else holds it), so the unwinders' module lookups
// race with unmapping. The resident library stays open to the end, so its
// functions can be named when the profile is written.
// Usage: dlopen_churn RESIDENT.so CHURN.so [ROUNDS]
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint64_t (*PluginFn)(uint64_t);

static atomic_int g_done;
static PluginFn g_resident;

static void* worker(void* arg) {
  (void)arg;
  uint64_t calls = 0;
  while (!atomic_load(&g_done)) {
    g_resident(20000);
    calls++;
  }
  return (void*)(uintptr_t)(calls > 0);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: dlopen_churn RESIDENT.so CHURN.so [ROUNDS]\n");
    return 2;
  }
  const int rounds = argc > 3 ? atoi(argv[3]) : 1000;
  void* resident = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (resident == NULL) {
    fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror());
    return 2;
  }
  g_resident = (PluginFn)dlsym(resident, "plugin_resident_spin");
  pthread_t workers[3];
  for (int i = 0; i < 3; i++) pthread_create(&workers[i], NULL, worker, NULL);

  uint64_t sum = 0;
  for (int i = 0; i < rounds; i++) {
    void* churn = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    if (churn == NULL) {
      fprintf(stderr, "dlopen %s (round %d): %s\n", argv[2], i, dlerror());
      return 2;
    }
    PluginFn fn = (PluginFn)dlsym(churn, "plugin_churn_spin");
    sum += fn(100000) & 1;
    dlclose(churn);
  }
  atomic_store(&g_done, 1);
  int ran = 0;
  for (int i = 0; i < 3; i++) {
    void* result;
    pthread_join(workers[i], &result);
    ran += (int)(uintptr_t)result;
  }
  printf("rounds %d, workers that ran %d, parity %llu\n", rounds, ran,
         (unsigned long long)(sum <= (uint64_t)rounds));
  return 0;
}
