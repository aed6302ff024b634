/* Threads that block signals, the way xz -T and many servers run: the main
 * thread blocks every signal before it creates its workers (which inherit
 * that mask), and one thread takes signals with sigwait. Under a profiler
 * that needs a signal to sample, such workers are never seen unless it keeps
 * that signal deliverable. Prints each worker's own CPU time ("truth NAME
 * SECONDS") and every mask the program read back ("mask WHERE BITS"): the
 * mask lines must be the same with and without lcprof.
 *
 * argv[1]: seconds of CPU per worker (default 0.5). */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;
static double g_seconds = 0.5;
static pthread_mutex_t g_print = PTHREAD_MUTEX_INITIALIZER;

static double ThreadCpuSeconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Which of signals 1..64 the set holds, as a string of 0/1. */
static void PrintMask(const char* where, const sigset_t* set) {
  char bits[65];
  for (int s = 1; s <= 64; ++s) bits[s - 1] = sigismember(set, s) == 1 ? '1' : '0';
  bits[64] = 0;
  pthread_mutex_lock(&g_print);
  printf("mask %s %s\n", where, bits);
  pthread_mutex_unlock(&g_print);
}

static void CurrentMask(const char* where) {
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, NULL, &now);
  PrintMask(where, &now);
}

static inline __attribute__((always_inline)) void Burn(double seconds) {
  double end = ThreadCpuSeconds() + seconds;
  uint64_t x = 7;
  while (ThreadCpuSeconds() < end) {
    for (int i = 0; i < 20000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  }
  sink = x;
}

__attribute__((noinline)) void blocked_worker_alpha_burn(void) { Burn(g_seconds); }
__attribute__((noinline)) void blocked_worker_beta_burn(void) { Burn(g_seconds); }

static void* WorkerAlpha(void* arg) {
  (void)arg;
  CurrentMask("worker_alpha_inherited");
  double t0 = ThreadCpuSeconds();
  blocked_worker_alpha_burn();
  double t = ThreadCpuSeconds() - t0;
  pthread_mutex_lock(&g_print);
  printf("truth blocked_worker_alpha_burn %.3f\n", t);
  pthread_mutex_unlock(&g_print);
  return NULL;
}

/* Blocks SIGPROF again on top (SIG_BLOCK) and with sigprocmask, reading
 * the old masks back each time. */
static void* WorkerBeta(void* arg) {
  (void)arg;
  sigset_t only_prof, old;
  sigemptyset(&only_prof);
  sigaddset(&only_prof, SIGPROF);
  pthread_sigmask(SIG_UNBLOCK, &only_prof, &old);
  PrintMask("worker_beta_before_unblock", &old);
  CurrentMask("worker_beta_after_unblock");
  sigprocmask(SIG_BLOCK, &only_prof, &old);
  PrintMask("worker_beta_before_block", &old);
  CurrentMask("worker_beta_after_block");
  double t0 = ThreadCpuSeconds();
  blocked_worker_beta_burn();
  double t = ThreadCpuSeconds() - t0;
  pthread_mutex_lock(&g_print);
  printf("truth blocked_worker_beta_burn %.3f\n", t);
  pthread_mutex_unlock(&g_print);
  return NULL;
}

/* Blocks SIGPROF with the raw system call, which no interposer sees: no
 * profiler signal reaches this thread, whose CPU is then only settled when
 * it exits. */
__attribute__((noinline)) void raw_blocked_burn(void) { Burn(g_seconds / 5); }

static void* RawBlocked(void* arg) {
  (void)arg;
  sigset_t only_prof;
  sigemptyset(&only_prof);
  sigaddset(&only_prof, SIGPROF);
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &only_prof, NULL, _NSIG / 8);
  double t0 = ThreadCpuSeconds();
  raw_blocked_burn();
  double t = ThreadCpuSeconds() - t0;
  pthread_mutex_lock(&g_print);
  printf("truth raw_blocked_burn %.3f\n", t);
  pthread_mutex_unlock(&g_print);
  return NULL;
}

/* The server pattern: one thread takes SIGUSR1 and SIGPROF with sigwait;
 * every other thread blocks them. */
static void* SignalThread(void* arg) {
  (void)arg;
  sigset_t wanted;
  sigemptyset(&wanted);
  sigaddset(&wanted, SIGUSR1);
  sigaddset(&wanted, SIGPROF);
  int got_prof = 0;
  for (;;) {
    int sig = 0;
    if (sigwait(&wanted, &sig) != 0) return NULL;
    if (sig == SIGPROF) {
      ++got_prof;
    } else {
      break;
    }
  }
  pthread_mutex_lock(&g_print);
  printf("signal thread: %d SIGPROF, then SIGUSR1\n", got_prof);
  pthread_mutex_unlock(&g_print);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) g_seconds = atof(argv[1]);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  PrintMask("main_before_block_all", &old);
  CurrentMask("main_after_block_all");
  pthread_t signals, alpha, beta;
  pthread_create(&signals, NULL, SignalThread, NULL);
  pthread_create(&alpha, NULL, WorkerAlpha, NULL);
  pthread_create(&beta, NULL, WorkerBeta, NULL);
  pthread_join(alpha, NULL);
  pthread_join(beta, NULL);
  pthread_t raw;
  pthread_create(&raw, NULL, RawBlocked, NULL);
  pthread_join(raw, NULL);
  /* The program's own SIGPROF, sent to the process: the signal thread takes
   * it (every other thread blocks it). */
  kill(getpid(), SIGPROF);
  usleep(100000);
  kill(getpid(), SIGUSR1);
  pthread_join(signals, NULL);
  CurrentMask("main_at_end");
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, &old);
  PrintMask("main_before_unblock_all", &old);
  CurrentMask("main_after_unblock_all");
  printf("done\n");
  return 0;
}
