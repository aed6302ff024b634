/* Program signal handlers that make a profiler's life hard, one per mode
 * (argv[1]); each prints what it saw, the same with and without lcprof:
 *   autodisarm  a SIGUSR1 handler on an alternate stack armed with
 *               SS_AUTODISARM burns CPU in autodisarm_handler_burn;
 *   install     handlers installed with sigaction and then replaced with
 *               sigset, sysv_signal and bsd_signal, whose returned old
 *               handler is put back with sigaction and raised;
 *   prof_jump   the program's own SIGPROF handler leaves by siglongjmp,
 *               many times; then after_prof_jump_burn works;
 *   nested      a SIGUSR1 handler on the thread's stack raises SIGUSR2,
 *               whose SA_ONSTACK handler runs on an alternate stack right
 *               above that stack and burns CPU in nested_handler_burn;
 *   leftover    the program's own SIGPROF handler counts kernel-sent
 *               SIGPROFs while SIGPROF is blocked (raw system call) over
 *               some CPU work and lcprof_stop (when lcprof is loaded), then
 *               unblocked: the profiler's leftover timer signal is not the
 *               program's;
 *   wait        sigsuspend and ppoll with temporary masks, read back from a
 *               handler that runs during the wait, and exec with SIGPROF
 *               blocked: the new image (mode show_mask) starts with it
 *               blocked;
 *   defer       the program's own SIGPROF, raised while it blocks SIGPROF,
 *               reaches its handler only once it unblocks it.
 * argv[2]: seconds of CPU (default 0.4). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static volatile uint64_t sink;
static double g_seconds = 0.4;

static double ThreadCpuSeconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline __attribute__((always_inline)) void Burn(double seconds) {
  double end = ThreadCpuSeconds() + seconds;
  uint64_t x = 3;
  while (ThreadCpuSeconds() < end) {
    for (int i = 0; i < 20000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  }
  sink = x;
}

/* --- autodisarm --- */
__attribute__((noinline)) void autodisarm_handler_burn(void) { Burn(g_seconds / 20); }
static void OnUsr1Autodisarm(int sig) {
  (void)sig;
  autodisarm_handler_burn();
  ++sink;
}
static int Autodisarm(void) {
  static char alt[128 * 1024];
  stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = SS_AUTODISARM};
  if (sigaltstack(&ss, NULL) != 0) return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnUsr1Autodisarm;
  sa.sa_flags = SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  for (int i = 0; i < 20; ++i) raise(SIGUSR1);
  printf("autodisarm: done\n");
  return 0;
}

/* --- install --- */
static volatile sig_atomic_t g_first, g_second;
static void First(int sig) {
  (void)sig;
  ++g_first;
}
static void Second(int sig) {
  (void)sig;
  ++g_second;
}
static void Reinstall(const char* how, sighandler_t (*replace)(int, sighandler_t)) {
  struct sigaction sa, back;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = First;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR2, &sa, NULL);
  sighandler_t old = replace(SIGUSR2, Second);
  g_first = g_second = 0;
  raise(SIGUSR2);
  printf("%s: returned the old handler: %s; new handler ran %d, old %d\n", how,
         old == First ? "yes" : "no", (int)g_second, (int)g_first);
  memset(&back, 0, sizeof back);
  back.sa_handler = old;
  sigemptyset(&back.sa_mask);
  sigaction(SIGUSR2, &back, NULL);
  g_first = g_second = 0;
  raise(SIGUSR2);
  printf("%s: old handler put back ran %d, new %d\n", how, (int)g_first, (int)g_second);
}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static sighandler_t SigsetReplace(int sig, sighandler_t h) { return sigset(sig, h); }
#pragma GCC diagnostic pop
extern sighandler_t bsd_signal(int sig, sighandler_t h); /* glibc: only without _GNU_SOURCE */
static int Install(void) {
  Reinstall("sigset", SigsetReplace);
  Reinstall("sysv_signal", sysv_signal);
  Reinstall("bsd_signal", bsd_signal);
  return 0;
}

/* --- prof_jump --- */
static sigjmp_buf g_jump;
static void OnProfJump(int sig) {
  (void)sig;
  siglongjmp(g_jump, 1);
}
__attribute__((noinline)) static int SendAndRecover(void) {
  if (sigsetjmp(g_jump, 1) != 0) return 1;
  kill(getpid(), SIGPROF);
  return 0;
}
__attribute__((noinline)) void after_prof_jump_burn(void) { Burn(g_seconds); }
static int ProfJump(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnProfJump;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGPROF, &sa, NULL);
  int recovered = 0;
  for (int i = 0; i < 1000; ++i) recovered += SendAndRecover();
  printf("prof_jump: recovered %d times\n", recovered);
  signal(SIGPROF, SIG_IGN);
  after_prof_jump_burn();
  ++sink;
  return 0;
}

/* --- nested --- */
__attribute__((noinline)) void nested_handler_burn(void) { Burn(g_seconds / 10); }
static void OnUsr2Nested(int sig) {
  (void)sig;
  nested_handler_burn();
  ++sink;
}
__attribute__((noinline)) void outer_handler_work(void) {
  raise(SIGUSR2);
  ++sink;
}
static void OnUsr1Outer(int sig) {
  (void)sig;
  outer_handler_work();
  ++sink;
}
static void* NestedThread(void* alt) {
  stack_t ss = {.ss_sp = alt, .ss_size = 256 * 1024, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  for (int i = 0; i < 10; ++i) raise(SIGUSR1);
  return NULL;
}
static int Nested(void) {
  /* One mapping: the thread's stack, and the alternate stack right above it. */
  const size_t stack_size = 512 * 1024, alt_size = 256 * 1024;
  char* region =
      mmap(NULL, stack_size + alt_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = OnUsr1Outer;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = OnUsr2Nested;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR2, &sa, NULL);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, region, stack_size);
  pthread_t t;
  if (pthread_create(&t, &attr, NestedThread, region + stack_size) != 0) return 3;
  pthread_join(t, NULL);
  printf("nested: done\n");
  return 0;
}

/* --- leftover --- */
static volatile sig_atomic_t g_kernel_sent;
static void OnProfCount(int sig, siginfo_t* info, void* uc) {
  (void)sig;
  (void)uc;
  if (info->si_code > 0) ++g_kernel_sent;
}
static int Leftover(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = OnProfCount;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGPROF, &sa, NULL);
  sigset_t prof;
  sigemptyset(&prof);
  sigaddset(&prof, SIGPROF);
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &prof, NULL, _NSIG / 8);
  Burn(g_seconds);
  int (*stop)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "lcprof_stop");
  if (stop != NULL) stop();
  syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &prof, NULL, _NSIG / 8);
  printf("leftover: the program's handler got %d kernel-sent SIGPROF\n", (int)g_kernel_sent);
  return 0;
}

/* --- wait --- */
static volatile sig_atomic_t g_prof_blocked_in_handler = -1;
static void OnUsr1Wait(int sig) {
  (void)sig;
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, NULL, &now);
  g_prof_blocked_in_handler = sigismember(&now, SIGPROF);
}
static pthread_t g_main_thread;
static void* WakeMain(void* arg) {
  (void)arg;
  Burn(g_seconds / 2);
  pthread_kill(g_main_thread, SIGUSR1);
  return NULL;
}
static int ShowMask(void) {
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  printf("after exec: SIGPROF blocked %d, SIGUSR2 blocked %d\n", sigismember(&now, SIGPROF),
         sigismember(&now, SIGUSR2));
  return 0;
}
static int Wait(const char* self) {
  signal(SIGUSR1, OnUsr1Wait);
  sigset_t usr1, all_but_usr1, old;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, &old);
  sigfillset(&all_but_usr1);
  sigdelset(&all_but_usr1, SIGUSR1);
  g_main_thread = pthread_self();
  pthread_t waker;
  pthread_create(&waker, NULL, WakeMain, NULL);
  int rc = sigsuspend(&all_but_usr1);
  int error = errno;
  pthread_join(waker, NULL);
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, NULL, &now);
  printf("sigsuspend: %d %s; SIGPROF blocked in the handler %d; after: SIGPROF %d SIGUSR1 %d\n", rc,
         error == EINTR ? "EINTR" : "other", (int)g_prof_blocked_in_handler,
         sigismember(&now, SIGPROF), sigismember(&now, SIGUSR1));
  int fds[2];
  if (pipe(fds) != 0) return 2;
  struct pollfd p = {.fd = fds[0], .events = POLLIN};
  struct timespec wait_for = {0, 100 * 1000 * 1000};
  sigset_t everything;
  sigfillset(&everything);
  rc = ppoll(&p, 1, &wait_for, &everything);
  printf("ppoll: %d\n", rc);
  sigset_t prof;
  sigemptyset(&prof);
  sigaddset(&prof, SIGPROF);
  sigaddset(&prof, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &prof, NULL);
  fflush(stdout);
  execl(self, self, "show_mask", (char*)NULL);
  return 3;
}

/* --- defer --- */
static volatile sig_atomic_t g_prof_runs;
static void OnProfDefer(int sig) {
  (void)sig;
  ++g_prof_runs;
}
static int Defer(void) {
  signal(SIGPROF, OnProfDefer);
  sigset_t prof;
  sigemptyset(&prof);
  sigaddset(&prof, SIGPROF);
  pthread_sigmask(SIG_BLOCK, &prof, NULL);
  raise(SIGPROF);
  kill(getpid(), SIGPROF);
  Burn(g_seconds / 4);
  printf("defer: while blocked the handler ran %d time(s)\n", (int)g_prof_runs);
  pthread_sigmask(SIG_UNBLOCK, &prof, NULL);
  printf("defer: after unblocking it ran %d time(s)\n", (int)g_prof_runs);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (argc > 2) g_seconds = atof(argv[2]);
  if (strcmp(argv[1], "autodisarm") == 0) return Autodisarm();
  if (strcmp(argv[1], "install") == 0) return Install();
  if (strcmp(argv[1], "prof_jump") == 0) return ProfJump();
  if (strcmp(argv[1], "nested") == 0) return Nested();
  if (strcmp(argv[1], "leftover") == 0) return Leftover();
  if (strcmp(argv[1], "wait") == 0) return Wait(argv[0]);
  if (strcmp(argv[1], "defer") == 0) return Defer();
  if (strcmp(argv[1], "show_mask") == 0) return ShowMask();
  return 2;
}
