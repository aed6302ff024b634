/* Recovery from faults the way interpreters and fault-tolerant code do it:
 * a SIGSEGV handler on an alternate signal stack leaves by siglongjmp, many
 * times; then the program does ordinary work in a named function. Also a
 * SIGALRM handler (on the thread's stack) that leaves by siglongjmp. Each
 * handler that never returns leaves its frames behind; the profile of the
 * work that follows must still be complete.
 *
 * argv[1]: recoveries (default 2000); argv[2]: seconds of CPU after (0.5). */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static sigjmp_buf g_recover;
static volatile uint64_t sink;
static volatile int* volatile g_bad_pointer = NULL;

static void OnSegv(int sig, siginfo_t* info, void* uc) {
  (void)sig;
  (void)info;
  (void)uc;
  siglongjmp(g_recover, 1);
}

static void OnAlarm(int sig) {
  (void)sig;
  siglongjmp(g_recover, 2);
}

__attribute__((noinline)) int fault_once(void) { return *g_bad_pointer; }

__attribute__((noinline)) void recovered_work_burn(double seconds) {
  clock_t end = clock() + (clock_t)(seconds * CLOCKS_PER_SEC);
  uint64_t x = 11;
  while (clock() < end) {
    for (int i = 0; i < 100000; ++i) x = x * 2862933555777941757ull + 3037000493ull;
  }
  sink = x;
}

/* 1 when the handler left by siglongjmp. */
__attribute__((noinline)) static int fault_and_recover(void) {
  if (sigsetjmp(g_recover, 1) != 0) return 1;
  sink = (uint64_t)fault_once();
  return 0;
}

__attribute__((noinline)) static int alarm_and_recover(void) {
  if (sigsetjmp(g_recover, 1) != 0) return 1;
  raise(SIGALRM);
  return 0;
}

__attribute__((noinline)) void after_recoveries(double seconds) {
  recovered_work_burn(seconds);
  ++sink; /* no tail call: this frame stays on the stack */
}

int main(int argc, char** argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 2000;
  double seconds = argc > 2 ? atof(argv[2]) : 0.5;
  static char altstack[64 * 1024];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0) return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = OnSegv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
  signal(SIGALRM, OnAlarm);
  int recovered = 0;
  for (int i = 0; i < rounds; ++i) recovered += fault_and_recover();
  for (int i = 0; i < rounds / 10; ++i) recovered += alarm_and_recover();
  printf("recovered %d times\n", recovered);
  after_recoveries(seconds);
  printf("done\n");
  return 0;
}
