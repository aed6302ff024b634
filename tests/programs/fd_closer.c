/* A daemon's descriptor hygiene under the profiler: after a worker thread
 * has started, the main thread gets rid of every descriptor above 2 in one
 * of four ways, checks that each call answered as it does without a
 * profiler, then both threads burn CPU (burn_after_close, burn_in_worker).
 * Usage: fd_closer close|close_range|closefrom|dup2
 * Prints "ok" and exits 0 when every call behaved; else says what did not. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static pthread_barrier_t g_closed;
static int g_bad;

static double thread_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static double burn(double seconds) {
  double x = 0;
  const double until = thread_cpu_seconds() + seconds;
  while (thread_cpu_seconds() < until) {
    for (int i = 0; i < 100000; ++i) x += i * 0.5;
  }
  return x;
}

__attribute__((noinline)) static double burn_after_close(void) { return burn(0.6) * 0.5; }
__attribute__((noinline)) static double burn_in_worker(void) { return burn(0.6) * 0.25; }

static void* worker(void* arg) {
  (void)arg;
  pthread_barrier_wait(&g_closed);
  volatile double sink = burn_in_worker();
  (void)sink;
  return NULL;
}

static void complain(const char* what, int fd, int err) {
  printf("unexpected: %s(%d): %s\n", what, fd, strerror(err));
  g_bad = 1;
}

int main(int argc, char** argv) {
  const char* how = argc > 1 ? argv[1] : "close";
  pthread_barrier_init(&g_closed, NULL, 2);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  /* Let the worker start (and a profiler arm whatever it arms for it). */
  burn(0.05);

  if (strcmp(how, "close") == 0) {
    for (int fd = 3; fd < 1024; ++fd) {
      if (close(fd) != 0 && errno != EBADF) complain("close", fd, errno);
    }
  } else if (strcmp(how, "close_range") == 0) {
    if (close_range(3, ~0U, 0) != 0) complain("close_range", 3, errno);
  } else if (strcmp(how, "closefrom") == 0) {
    closefrom(3);
  } else if (strcmp(how, "dup2") == 0) {
    /* Every number from 3 to 63 becomes /dev/null, then is closed. */
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    struct stat want;
    fstat(null_fd, &want);
    for (int fd = 3; fd < 64; ++fd) {
      if (fd == null_fd) continue;
      if (dup2(null_fd, fd) != fd) complain("dup2", fd, errno);
      struct stat got;
      if (fstat(fd, &got) != 0 || got.st_rdev != want.st_rdev) complain("fstat", fd, errno);
    }
    for (int fd = 3; fd < 64; ++fd) {
      if (close(fd) != 0) complain("close after dup2", fd, errno);
    }
  } else {
    fprintf(stderr, "usage: fd_closer close|close_range|closefrom|dup2\n");
    return 2;
  }
  pthread_barrier_wait(&g_closed);
  volatile double sink = burn_after_close();
  (void)sink;
  pthread_join(t, NULL);
  if (!g_bad) printf("ok\n");
  return g_bad;
}
