/* Calls every libc function lcprof wraps, with valid arguments and with
 * arguments that fail, and prints each result and errno. Run with and
 * without lcprof preloaded: the two outputs must be identical. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SHOW(expr)                                                                \
  do {                                                                            \
    errno = 0;                                                                    \
    long long r_ = (long long)(expr);                                             \
    printf("%-48s -> %lld errno %s\n", #expr, r_, errno ? strerror(errno) : "0"); \
  } while (0)

static void* thread_main(void* arg) { return arg; }
static void on_usr2(int sig) { (void)sig; }
static void exit_note(void) { printf("atexit ran\n"); }

/* A thread cancelled while blocked in a wrapped call: the cancellation
 * unwinds libc's read and then the wrapper's frame (its CFI), and runs the
 * thread's cleanup handler. */
static int cancel_pipe[2];
static void cancel_cleanup(void* arg) { printf("cleanup ran after %s\n", (const char*)arg); }
/* And one that ends itself with pthread_exit: the same unwind, through the
 * thread start routine lcprof's pthread_create puts under every thread. */
static void* exiting_thread(void* arg) {
  pthread_cleanup_push(cancel_cleanup, "pthread_exit");
  pthread_exit(arg);
  pthread_cleanup_pop(0);
  return NULL;
}
static void* blocked_reader(void* arg) {
  char c;
  (void)arg;
  pthread_cleanup_push(cancel_cleanup, "read");
  SHOW(read(cancel_pipe[0], &c, 1)); /* never returns: cancelled */
  pthread_cleanup_pop(0);
  return NULL;
}

int main(void) {
  char buf[16];
  int p[2];
  SHOW(pipe(p));
  SHOW(write(p[1], "hello", 5));
  SHOW(read(p[0], buf, sizeof buf));
  SHOW(read(-1, buf, 1));
  SHOW(write(-1, buf, 1));
  SHOW(close(-1));
  SHOW(open("/nonexistent/file", O_RDONLY));
  int fd = open("/tmp", O_RDONLY | O_DIRECTORY);
  printf("open dir ok %d\n", fd >= 0);
  SHOW(fcntl(fd, F_GETFD));
  SHOW(fcntl(fd, F_SETFD, FD_CLOEXEC));
  SHOW(fcntl(fd, F_GETFD));
  SHOW(fcntl(-1, F_GETFL));
  SHOW(close(fd));
  char path[] = "/tmp/lcprof-transparency-XXXXXX";
  int tmp = mkstemp(path);
  SHOW(close(tmp));
  SHOW(open(path, O_WRONLY | O_CREAT | O_EXCL, 0600));
  SHOW(unlink(path) == 0);
  void* m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("mmap ok %d\n", m != MAP_FAILED);
  SHOW(madvise(m, 4096, MADV_DONTNEED));
  SHOW(madvise(m, 4096, 12345));
  SHOW(munmap(m, 4096));
  SHOW(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
  SHOW(munmap((void*)1, 4096));
  SHOW(usleep(1000));
  struct timeval tv;
  SHOW(gettimeofday(&tv, NULL));
  struct timespec ts;
  SHOW(clock_getres(CLOCK_MONOTONIC, &ts));
  SHOW(clock_gettime(CLOCK_MONOTONIC, &ts));
  SHOW(clock_gettime((clockid_t)12345, &ts));
  SHOW(sysconf(_SC_PAGESIZE));
  SHOW(sysconf(-1));
  SHOW(getpid() > 0);
  SHOW(kill(getpid(), 0));
  SHOW(kill(-2147483647, 0));
  struct sigaction sa = {0}, old;
  sa.sa_handler = on_usr2;
  sigemptyset(&sa.sa_mask);
  SHOW(sigaction(SIGUSR2, &sa, NULL));
  SHOW(sigaction(SIGUSR2, NULL, &old));
  printf("sigaction reads back our handler %d\n", old.sa_handler == on_usr2);
  SHOW(sigaction(SIGKILL, &sa, NULL));
  SHOW(sigaction(0, &sa, NULL));
  SHOW(raise(SIGUSR2));
  SHOW(raise(12345));
  sigset_t set, prev;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  SHOW(pthread_sigmask(SIG_BLOCK, &set, &prev));
  SHOW(pthread_sigmask(12345, &set, NULL));
  SHOW(pthread_sigmask(SIG_SETMASK, &prev, NULL));
  stack_t ss = {0};
  SHOW(sigaltstack(NULL, &ss));
  ss.ss_size = 1;
  ss.ss_sp = buf;
  ss.ss_flags = 0;
  SHOW(sigaltstack(&ss, NULL));
  struct itimerval it = {0};
  SHOW(setitimer(ITIMER_REAL, &it, NULL));
  SHOW(setitimer(12345, &it, NULL));
  int ep = epoll_create1(EPOLL_CLOEXEC);
  printf("epoll ok %d\n", ep >= 0);
  SHOW(epoll_create1(-1));
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = p[0]};
  SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  SHOW(epoll_wait(ep, &ev, 1, 0));
  SHOW(epoll_wait(-1, &ev, 1, 0));
  pthread_mutex_t mu;
  SHOW(pthread_mutex_init(&mu, NULL));
  SHOW(pthread_mutex_lock(&mu));
  SHOW(pthread_mutex_unlock(&mu));
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_t checked;
  pthread_mutex_init(&checked, &ma);
  SHOW(pthread_mutex_unlock(&checked));
  pthread_cond_t cv;
  SHOW(pthread_cond_init(&cv, NULL));
  SHOW(pthread_cond_signal(&cv));
  SHOW(pthread_mutex_lock(&mu));
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec = 0;
  SHOW(pthread_cond_timedwait(&cv, &mu, &ts));
  ts.tv_nsec = -5;
  SHOW(pthread_cond_timedwait(&cv, &mu, &ts));
  SHOW(pthread_mutex_unlock(&mu));
  pthread_attr_t attr;
  SHOW(pthread_attr_init(&attr));
  SHOW(pthread_attr_setstacksize(&attr, 1 << 20));
  SHOW(pthread_attr_setstacksize(&attr, 1));
  SHOW(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_JOINABLE));
  SHOW(pthread_attr_setdetachstate(&attr, 12345));
  pthread_t t;
  void* result = NULL;
  SHOW(pthread_create(&t, &attr, thread_main, (void*)42));
  SHOW(pthread_join(t, &result));
  printf("thread returned %ld\n", (long)result);
  SHOW(pipe(cancel_pipe));
  SHOW(pthread_create(&t, NULL, blocked_reader, NULL));
  SHOW(usleep(20000));
  SHOW(pthread_cancel(t));
  SHOW(pthread_join(t, &result));
  printf("thread %s\n", result == PTHREAD_CANCELED ? "cancelled" : "not cancelled");
  SHOW(pthread_create(&t, NULL, exiting_thread, (void*)43));
  SHOW(pthread_join(t, &result));
  printf("thread exited with %ld\n", (long)result);
  SHOW(*__errno_location() == 0);
  atexit(exit_note);
  fflush(stdout);
  exit(3);
}
