// Stress: makecontext/swapcontext fibers that are never registered with
// lcprof (no lcprof_g_* calls): 16 fibers on malloc'd stacks, switched
// round-robin by a scheduler on the main stack, each burning CPU in
// fiber_work between switches. Samples land on stacks lcprof knows nothing
// of, and often in the middle of a switch.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include "spin.h"

enum { kFibers = 16, kStackSize = 64 * 1024 };

static ucontext_t g_scheduler;
static ucontext_t g_fiber[kFibers];
static uint64_t g_result[kFibers];
static int g_rounds;

__attribute__((noinline)) static uint64_t fiber_work(int index) {
  return StressSpin(30000, (uint64_t)index) & 1;
}

static void fiber_main(int index) {
  for (int r = 0; r < g_rounds; r++) {
    g_result[index] += fiber_work(index) + 1;
    swapcontext(&g_fiber[index], &g_scheduler);
  }
}  // returns to uc_link: the scheduler

__attribute__((noinline)) static void scheduler(void) {
  for (int r = 0; r <= g_rounds; r++) {
    for (int i = 0; i < kFibers; i++) swapcontext(&g_scheduler, &g_fiber[i]);
  }
}

int main(int argc, char** argv) {
  g_rounds = argc > 1 ? atoi(argv[1]) : 2000;
  for (int i = 0; i < kFibers; i++) {
    getcontext(&g_fiber[i]);
    g_fiber[i].uc_stack.ss_sp = malloc(kStackSize);
    g_fiber[i].uc_stack.ss_size = kStackSize;
    g_fiber[i].uc_link = &g_scheduler;
    makecontext(&g_fiber[i], (void (*)(void))fiber_main, 1, i);
  }
  scheduler();
  uint64_t sum = 0;
  for (int i = 0; i < kFibers; i++) sum += g_result[i];
  printf("fibers %d, rounds %d, checksum %llu\n", kFibers, g_rounds, (unsigned long long)sum);
  for (int i = 0; i < kFibers; i++) free(g_fiber[i].uc_stack.ss_sp);
  return 0;
}
