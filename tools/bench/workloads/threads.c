/* Four threads: `threads SECONDS`. Thread i (1..4) burns i/10 of SECONDS
 * of CPU in worker<i>_caller, so the shares are 1:2:3:4 and the process
 * uses SECONDS of CPU in all, on as many CPUs as the machine lends it. Each
 * thread measures its own CPU. Prints a tid line per thread and truth
 * lines (truth.h). */
#include "truth.h"

#include <pthread.h>

struct worker {
  const char* name;
  double seconds, cpu;
  int tid;
};

NOINLINE static void burn(double seconds) {
  double end = thread_cpu() + seconds;
  while (thread_cpu() < end) spin(50);
  KEEP_FRAME();
}

NOINLINE void worker1_caller(struct worker* w) { burn(w->seconds); KEEP_FRAME(); }
NOINLINE void worker2_caller(struct worker* w) { burn(w->seconds); KEEP_FRAME(); }
NOINLINE void worker3_caller(struct worker* w) { burn(w->seconds); KEEP_FRAME(); }
NOINLINE void worker4_caller(struct worker* w) { burn(w->seconds); KEEP_FRAME(); }

static void (*const callers[4])(struct worker*) = {worker1_caller, worker2_caller,
                                                    worker3_caller, worker4_caller};

static void* thread_main(void* arg) {
  struct worker* w = arg;
  w->tid = (int)gettid();
  double t0 = thread_cpu();
  callers[w->name[6] - '1'](w);
  w->cpu = thread_cpu() - t0;
  return NULL;
}

int main(int argc, char** argv) {
  double seconds = seconds_arg(argc, argv);
  struct worker w[4] = {{"worker1_caller", 0, 0, 0},
                        {"worker2_caller", 0, 0, 0},
                        {"worker3_caller", 0, 0, 0},
                        {"worker4_caller", 0, 0, 0}};
  pthread_t t[4];
  for (int i = 0; i < 4; ++i) {
    w[i].seconds = seconds * (i + 1) / 10.0;
    if (pthread_create(&t[i], NULL, thread_main, &w[i]) != 0) return 1;
  }
  for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
  for (int i = 0; i < 4; ++i) printf("tid %d\n", w[i].tid);
  for (int i = 0; i < 4; ++i) printf("truth %s %.6f\n", w[i].name, w[i].cpu);
  return 0;
}
