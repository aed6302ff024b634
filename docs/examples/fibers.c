/* A tiny fiber scheduler (ucontext, each fiber on its own mmap'd stack) that
 * tells lcprof about its fibers, so every sample taken in a fiber is walked
 * on that fiber's stack and labelled with the fiber's name.
 *
 *   cc -O2 -fno-omit-frame-pointer fibers.c $(pkg-config --cflags --libs lcprof)
 *   LCPROF_OUT=fibers.pb.gz ./a.out && go tool pprof -tags fibers.pb.gz
 *
 * The three calls that matter: lcprof_g_register (once per fiber, with its
 * stack), lcprof_g_switch (at every switch, just before jumping to the
 * fiber's or back to the scheduler's stack), lcprof_g_unregister. */
#include <lcprof/libcall.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

enum { kFibers = 3, kStackSize = 256 * 1024 };

struct fiber {
  const char* name;
  ucontext_t context;
  void* stack;
  lcprof_g g;
  double cpu_share; /* relative amount of work per turn */
  int done;
};

static struct fiber fibers[kFibers] = {{.name = "fiber-a", .cpu_share = 1},
                                       {.name = "fiber-b", .cpu_share = 2},
                                       {.name = "fiber-c", .cpu_share = 3}};
static ucontext_t scheduler;
static volatile uint64_t sink;

static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Burns CPU for `seconds`, then yields to the scheduler. */
__attribute__((noinline)) void fiber_work(struct fiber* self, double seconds) {
  double end = thread_cpu() + seconds;
  uint64_t x = (uint64_t)(uintptr_t)self;
  while (thread_cpu() < end) {
    for (int i = 0; i < 10000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  }
  sink = x;
  lcprof_g_switch(0); /* back on the scheduler's stack next */
  swapcontext(&self->context, &scheduler);
}

__attribute__((noinline)) void fiber_entry(int index) {
  struct fiber* self = &fibers[index];
  for (int turn = 0; turn < 40; ++turn) fiber_work(self, 0.004 * self->cpu_share);
  self->done = 1;
  lcprof_g_switch(0);
}

int main(void) {
  for (int i = 0; i < kFibers; ++i) {
    struct fiber* f = &fibers[i];
    f->stack = mmap(NULL, kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (f->stack == MAP_FAILED) return 1;
    getcontext(&f->context);
    f->context.uc_stack.ss_sp = f->stack;
    f->context.uc_stack.ss_size = kStackSize;
    f->context.uc_link = &scheduler;
    makecontext(&f->context, (void (*)(void))fiber_entry, 1, i);
    f->g = lcprof_g_register(f->name, (uintptr_t)f->stack, (uintptr_t)f->stack + kStackSize);
  }
  for (int live = kFibers; live > 0;) {
    live = 0;
    for (int i = 0; i < kFibers; ++i) {
      if (fibers[i].done) continue;
      ++live;
      lcprof_g_switch(fibers[i].g);
      swapcontext(&scheduler, &fibers[i].context);
    }
  }
  for (int i = 0; i < kFibers; ++i) lcprof_g_unregister(fibers[i].g);
  printf("fibers: done\n");
  return 0;
}
