/* A program that uses SIGPROF itself, as some do: resets it to the default
 * action, then installs a handler of its own and raises the signal. Without
 * care a profiler's timer kills it at the next tick. Prints what it saw; the
 * output must be the same with and without lcprof. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static volatile uint64_t sink;
static volatile sig_atomic_t own_handler_calls;

static void own_handler(int sig) {
  (void)sig;
  ++own_handler_calls;
}

__attribute__((noinline)) void sigprof_user_burn(double seconds) {
  clock_t end = clock() + (clock_t)(seconds * CLOCKS_PER_SEC);
  uint64_t x = 5;
  while (clock() < end) {
    for (int i = 0; i < 100000; ++i) x = x * 2862933555777941757ull + 3037000493ull;
  }
  sink = x;
}

int main(void) {
  void (*previous)(int) = signal(SIGPROF, SIG_DFL);
  printf("previous handler was %s\n", previous == SIG_DFL ? "SIG_DFL" : "something else");
  sigprof_user_burn(0.4);
  struct sigaction query;
  sigaction(SIGPROF, NULL, &query);
  printf("disposition reads back as %s\n", query.sa_handler == SIG_DFL ? "SIG_DFL" : "other");
  struct sigaction mine = {0};
  mine.sa_handler = own_handler;
  sigemptyset(&mine.sa_mask);
  sigaction(SIGPROF, &mine, NULL);
  raise(SIGPROF);
  printf("own handler ran %d time(s)\n", (int)own_handler_calls);
  sigprof_user_burn(0.2);
  signal(SIGPROF, SIG_IGN);
  sigprof_user_burn(0.2);
  printf("survived\n");
  return 0;
}
