/* A workload whose CPU is mostly inside wrapped libc calls, each made from
 * its own known caller: `libcall_callers SECONDS`. Callers take turns in
 * short rounds (each call ~0.1 ms, so the clock reads around them cost
 * little); each caller's CPU is measured with CLOCK_THREAD_CPUTIME_ID
 * and printed as "truth CALLER PERCENT" (of the process's user+sys CPU). */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;
static int zero_fd, null_fd;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;

static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

NOINLINE void call_read(void) {
  static char buf[1 << 15];
  for (int i = 0; i < 40; ++i) sink += (uint64_t)read(zero_fd, buf, sizeof buf);
}

NOINLINE void call_write(void) {
  for (int i = 0; i < 150; ++i) sink += (uint64_t)write(null_fd, "x", 1);
}

NOINLINE void call_getpid(void) {
  for (int i = 0; i < 150; ++i) sink += (uint64_t)getpid();
}

NOINLINE void call_mutex(void) {
  for (int i = 0; i < 20000; ++i) {
    pthread_mutex_lock(&mutex);
    pthread_mutex_unlock(&mutex);
  }
}

NOINLINE void call_mmap(void) {
  for (int i = 0; i < 40; ++i) {
    void* p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ((volatile char*)p)[0] = 1;
    munmap(p, 1 << 16);
  }
}

typedef void (*caller_fn)(void);
static const struct {
  const char* name;
  caller_fn fn;
} callers[] = {{"call_read", call_read},
               {"call_write", call_write},
               {"call_getpid", call_getpid},
               {"call_mutex", call_mutex},
               {"call_mmap", call_mmap}};
enum { kCallers = sizeof callers / sizeof callers[0] };

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 4;
  zero_fd = open("/dev/zero", O_RDONLY);
  null_fd = open("/dev/null", O_WRONLY);
  double spent[kCallers] = {0};
  double per_turn = 0.004;
  double start = thread_cpu();
  while (thread_cpu() - start < seconds) {
    for (int c = 0; c < kCallers; ++c) {
      double t0 = thread_cpu();
      while (thread_cpu() - t0 < per_turn) callers[c].fn();
      spent[c] += thread_cpu() - t0;
    }
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double total = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  for (int c = 0; c < kCallers; ++c)
    printf("truth %s %.2f\n", callers[c].name, 100 * spent[c] / total);
  return 0;
}
