// Stress: 10,000 threads created and joined, in waves of 100, each burning a
// little CPU in thread_work. The profiler sees every thread start and end
// (timers armed and settled, stack bounds learned, names noted) while the
// others are sampled. Prints a checksum that does not depend on timing.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "spin.h"

enum { kThreads = 10000, kWave = 100 };

__attribute__((noinline)) static void* thread_work(void* arg) {
  uintptr_t index = (uintptr_t)arg;
  StressSpin(40000, index);
  return (void*)(index * 2 + 1);
}

int main(int argc, char** argv) {
  const int threads = argc > 1 ? atoi(argv[1]) : kThreads;
  uint64_t sum = 0;
  for (int base = 0; base < threads; base += kWave) {
    pthread_t wave[kWave];
    int n = threads - base < kWave ? threads - base : kWave;
    for (int i = 0; i < n; i++) {
      if (pthread_create(&wave[i], NULL, thread_work, (void*)(uintptr_t)(base + i)) != 0) {
        fprintf(stderr, "pthread_create failed at thread %d\n", base + i);
        return 2;
      }
    }
    for (int i = 0; i < n; i++) {
      void* result;
      pthread_join(wave[i], &result);
      sum += (uintptr_t)result;
    }
  }
  printf("threads joined: %d, checksum %llu\n", threads, (unsigned long long)sum);
  return 0;
}
