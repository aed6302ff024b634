// Stress: program signal handlers on an alternate stack that call wrapped
// functions (write, clock_gettime, getpid, kill) and leave by siglongjmp,
// the way interpreters recover from faults. Each round faults on a
// PROT_NONE page (SIGSEGV) or sends itself SIGUSR1; both handlers run on
// the sigaltstack, burn CPU in handler_work, and jump back into main_work's
// loop. Every sample after a recovery must still be walked from the right
// stack (issue 10: "siglongjmp out of a SIGSEGV handler on sigaltstack").
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "spin.h"

static sigjmp_buf g_recover;
static volatile char* g_guard_page;
static int g_null_fd = -1;
static volatile sig_atomic_t g_handled;

__attribute__((noinline)) static void handler_work(int sig) {
  char buf[256];
  memset(buf, sig, sizeof buf);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  if (write(g_null_fd, buf, sizeof buf) != (ssize_t)sizeof buf) abort();
  if (getpid() <= 0) abort();
  StressSpin(150000, (uint64_t)ts.tv_nsec);
}

static void on_signal(int sig, siginfo_t* info, void* ucontext) {
  (void)info;
  (void)ucontext;
  handler_work(sig);
  g_handled++;
  siglongjmp(g_recover, sig);
}

__attribute__((noinline)) static uint64_t main_work(int rounds) {
  volatile uint64_t sum = 0;  // changed between sigsetjmp and siglongjmp
  for (volatile int i = 0; i < rounds; i++) {
    int sig = sigsetjmp(g_recover, 1);
    if (sig == 0) {
      sum += StressSpin(150000, (uint64_t)i) & 1;
      if (i % 2 == 0) {
        g_guard_page[0] = 1;  // SIGSEGV
      } else {
        kill(getpid(), SIGUSR1);
      }
      fprintf(stderr, "round %d: no signal\n", i);
      exit(3);
    }
    sum += (uint64_t)sig;
  }
  return sum;
}

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? atoi(argv[1]) : 4000;
  g_null_fd = open("/dev/null", O_WRONLY);
  g_guard_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  stack_t ss = {.ss_sp = malloc(1 << 16), .ss_size = 1 << 16, .ss_flags = 0};
  if (g_null_fd < 0 || g_guard_page == MAP_FAILED || sigaltstack(&ss, NULL) != 0) {
    perror("setup");
    return 2;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  uint64_t sum = main_work(rounds);
  printf("rounds %d, handled %d, checksum %llu\n", rounds, (int)g_handled,
         (unsigned long long)(sum - (uint64_t)(rounds / 2) * (SIGSEGV + SIGUSR1)));
  return g_handled == rounds ? 0 : 1;
}
