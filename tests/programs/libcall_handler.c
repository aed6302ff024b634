/* Work the libcall contract must not hide (its "beyond Go's rule" section):
 * `libcall_handler SIGNALS`
 *  - a thread blocked in read() (blocked_reader) receives SIGNALS SIGUSR1s
 *    whose handler burns CPU (handler_burn <- on_usr1), so the handler runs
 *    while the thread's read() record is in force;
 *  - the main thread burns CPU of its own (main_burn <- main) after each;
 *  - an atexit handler burns CPU inside exit() (atexit_burn <- on_exit).
 * Prints the true CPU share of each, measured with CLOCK_THREAD_CPUTIME_ID
 * and getrusage, as "truth NAME PERCENT" lines on stdout. */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;
static sem_t handled;
static double handler_cpu, main_cpu, exit_cpu;

static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void spin(double seconds) {
  double end = thread_cpu() + seconds;
  uint64_t x = 1;
  while (thread_cpu() < end) {
    for (int i = 0; i < 20000; ++i) x = x * 6364136223846793005ull + 1;
  }
  sink = x;
}

NOINLINE void handler_burn(void) {
  spin(0.02);
  __asm__ volatile("" ::: "memory");
}

NOINLINE void on_usr1(int sig) {
  (void)sig;
  double start = thread_cpu();
  handler_burn();
  handler_cpu += thread_cpu() - start;
  sem_post(&handled); /* async-signal-safe */
}

static int pipe_fds[2];

NOINLINE void blocked_reader(void) {
  char c;
  while (read(pipe_fds[0], &c, 1) < 0) {
  }
  __asm__ volatile("" ::: "memory");
}

static void* reader_main(void* arg) {
  (void)arg;
  blocked_reader();
  return NULL;
}

NOINLINE void main_burn(double seconds) {
  double start = thread_cpu();
  spin(seconds);
  main_cpu += thread_cpu() - start;
  __asm__ volatile("" ::: "memory");
}

NOINLINE void atexit_burn(void) {
  double start = thread_cpu();
  spin(0.3);
  exit_cpu = thread_cpu() - start;
  __asm__ volatile("" ::: "memory");
}

static void on_exit_handler(void) {
  atexit_burn();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double total = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  printf("truth handler_burn %.2f\n", 100 * handler_cpu / total);
  printf("truth main_burn %.2f\n", 100 * main_cpu / total);
  printf("truth atexit_burn %.2f\n", 100 * exit_cpu / total);
  fflush(stdout);
}

int main(int argc, char** argv) {
  int signals = argc > 1 ? atoi(argv[1]) : 40;
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGUSR1, &sa, NULL) != 0 || pipe(pipe_fds) != 0) return 1;
  sem_init(&handled, 0, 0);
  atexit(on_exit_handler);
  pthread_t reader;
  pthread_create(&reader, NULL, reader_main, NULL);
  usleep(20000); /* let the reader block in read() */
  for (int i = 0; i < signals; ++i) {
    pthread_kill(reader, SIGUSR1);
    while (sem_wait(&handled) != 0) {
    }
    main_burn(0.02); /* one busy thread at a time: the truth is unambiguous */
  }
  if (write(pipe_fds[1], "x", 1) != 1) return 1;
  pthread_join(reader, NULL);
  exit(0);
}
