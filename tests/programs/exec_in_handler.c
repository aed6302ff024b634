/* execve from a signal handler (async-signal-safe per POSIX), landing while
 * the main thread allocates without pause (blocks too large for malloc's
 * per-thread cache, in a process with a second thread, so most of the time
 * it holds the arena's lock).
 *   exec_in_handler          arms a 30 ms SIGALRM whose handler execs
 *                            "exec_in_handler after"; prints nothing itself
 *   exec_in_handler after    prints "after exec" and exits 0
 * A profiler that stops its session (locks, allocates) in the handler
 * deadlocks on the interrupted allocation's lock. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

extern char** environ;
static char* g_argv[3];

static void* idle(void* arg) {
  (void)arg;
  pause();
  return NULL;
}

static void on_alarm(int sig) {
  (void)sig;
  execve(g_argv[0], g_argv, environ);
  _exit(4); /* the exec failed */
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "after") == 0) {
    printf("after exec\n");
    return 0;
  }
  g_argv[0] = argv[0];
  g_argv[1] = "after";
  g_argv[2] = NULL;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it;
  memset(&it, 0, sizeof it);
  it.it_value.tv_usec = 30000;
  setitimer(ITIMER_REAL, &it, NULL);
  /* A second thread: glibc's malloc takes its arena lock only in a
   * multi-threaded process. */
  pthread_t t;
  pthread_create(&t, NULL, idle, NULL);
  unsigned size = 2048;
  for (;;) {
    void* volatile p = malloc(size);
    free(p);
    size = size * 7 % 60000 + 2048;
  }
}
