/* A test workload with known callers: `workload MODE SECONDS [EXIT_CODE]`.
 * Modes:
 *   burn     user code only (burn_hot <- burn_caller <- main)
 *   rw       most CPU inside read()/write() called from reader_hot/writer_hot
 *   threads  four threads named "wl-thread", each in thread_hot <- thread_main
 *   fork     the parent burns, then forks two children; they and the parent
 *            each burn, children exit()
 *   alone    burn (one thread), then count the threads of this process in
 *            /proc/self/task and print "workload: N thread(s)"
 * It prints one line on stdout (alone: two) and one on stderr, and exits with EXIT_CODE
 * (default 0), so tests can check that lcprof leaves all three unchanged. */
#define _GNU_SOURCE /* pthread_setname_np */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;

static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

NOINLINE void burn_hot(double seconds) {
  double end = thread_cpu() + seconds;
  uint64_t x = 88172645463325252ull;
  while (thread_cpu() < end) {
    for (int i = 0; i < 100000; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
  }
  sink = x;
}

NOINLINE void burn_caller(double seconds) {
  burn_hot(seconds);
  __asm__ volatile("" ::: "memory");
}

NOINLINE void reader_hot(int fd, double seconds) {
  static char buf[1 << 16];
  double end = thread_cpu() + seconds;
  while (thread_cpu() < end) {
    for (int i = 0; i < 50; ++i) sink += (uint64_t)read(fd, buf, sizeof buf);
  }
}

NOINLINE void writer_hot(int fd, double seconds) {
  static const char line[] = "x\n";
  double end = thread_cpu() + seconds;
  while (thread_cpu() < end) {
    for (int i = 0; i < 2000; ++i) sink += (uint64_t)write(fd, line, 2);
  }
}

static double g_seconds;

/* Each *_hot/_caller function ends with an empty asm after its call so the
 * compiler cannot turn the call into a jump (which would drop the frame). */
NOINLINE void thread_hot(void) {
  burn_hot(g_seconds);
  __asm__ volatile("" ::: "memory");
}

static void* thread_main(void* arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "wl-thread");
  thread_hot();
  __asm__ volatile("" ::: "memory");
  return NULL;
}

static void run_threads(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; ++i) pthread_create(&t[i], NULL, thread_main, NULL);
  for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
}

NOINLINE void child_hot(double seconds) {
  burn_hot(seconds);
  __asm__ volatile("" ::: "memory");
}

static void run_fork(double seconds) {
  burn_caller(seconds / 2); /* samples taken before the fork: the parent's only */
  pid_t kids[2];
  for (int i = 0; i < 2; ++i) {
    kids[i] = fork();
    if (kids[i] == 0) {
      child_hot(seconds);
      exit(0);
    }
  }
  burn_caller(seconds);
  for (int i = 0; i < 2; ++i) waitpid(kids[i], NULL, 0);
}

/* Entries of /proc/self/task: the threads of this process, as the kernel sees them. */
static int count_threads(void) {
  int n = 0;
  DIR* d = opendir("/proc/self/task");
  if (d == NULL) return -1;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') ++n;
  }
  closedir(d);
  return n;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: workload burn|rw|threads|fork|alone SECONDS [EXIT_CODE]\n");
    return 2;
  }
  double seconds = atof(argv[2]);
  int code = argc > 3 ? atoi(argv[3]) : 0;
  fprintf(stderr, "workload: starting %s\n", argv[1]);
  if (strcmp(argv[1], "burn") == 0) {
    burn_caller(seconds);
  } else if (strcmp(argv[1], "rw") == 0) {
    int zero = open("/dev/zero", O_RDONLY);
    int null = open("/dev/null", O_WRONLY);
    reader_hot(zero, seconds / 2);
    writer_hot(null, seconds / 2);
    close(zero);
    close(null);
  } else if (strcmp(argv[1], "threads") == 0) {
    g_seconds = seconds;
    run_threads();
  } else if (strcmp(argv[1], "fork") == 0) {
    run_fork(seconds);
  } else if (strcmp(argv[1], "alone") == 0) {
    burn_caller(seconds);
    printf("workload: %d thread(s)\n", count_threads());
  } else {
    fprintf(stderr, "workload: unknown mode %s\n", argv[1]);
    return 2;
  }
  printf("workload: done %s pid %d\n", argv[1], (int)getpid());
  return code;
}
