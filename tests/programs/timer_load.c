/* Loads for the timer tests (tests/e2e/timer_totals_test.cc): known CPU on
 * known threads, with the process's own user+sys CPU (getrusage) printed as
 * "cpu_ns=N" at the end so the profile's total can be checked against it.
 *   timer_load burn THREADS SECONDS      THREADS threads each burn SECONDS
 *   timer_load fair SECONDS              burn_three 3*SECONDS and burn_one SECONDS, concurrently
 *   timer_load short COUNT MICROSECONDS  COUNT threads, two at a time, each burns MICROSECONDS
 *   timer_load fork SECONDS              parent and a forked child each burn SECONDS;
 *                                        the child prints "child_cpu_ns=N" and exit()s
 *   timer_load pre THREADS SECONDS PATH  threads made before lcprof_start(PATH) (timer from
 *                                        $TIMER_LOAD_TIMER, rate $TIMER_LOAD_HZ) burn in pre_hot
 * Linked with liblcprof, so LCPROF_OUT profiles it too (all but "pre"). */
#include <lcprof/lcprof.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;

static uint64_t thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void spin_ns(uint64_t ns) {
  uint64_t end = thread_cpu_ns() + ns;
  uint64_t x = 88172645463325252ull;
  while (thread_cpu_ns() < end) {
    for (int i = 0; i < 2000; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
  }
  sink = x;
}

NOINLINE void burn_hot(uint64_t ns) {
  spin_ns(ns);
  __asm__ volatile("" ::: "memory");
}
NOINLINE void burn_three(uint64_t ns) {
  spin_ns(ns);
  __asm__ volatile("" ::: "memory");
}
NOINLINE void burn_one(uint64_t ns) {
  spin_ns(ns);
  __asm__ volatile("" ::: "memory");
}
NOINLINE void short_hot(uint64_t ns) {
  spin_ns(ns);
  __asm__ volatile("" ::: "memory");
}
NOINLINE void pre_hot(uint64_t ns) {
  spin_ns(ns);
  __asm__ volatile("" ::: "memory");
}

static uint64_t process_cpu_ns(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
         (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

struct job {
  void (*fn)(uint64_t);
  uint64_t ns;
};

/* Jobs wait for g_go blocked (not spinning), so that no CPU is spent
 * between the process's CPU readings other than the jobs' own. */
static int g_go;
static pthread_mutex_t g_go_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_go_cond = PTHREAD_COND_INITIALIZER;

static void go(void) {
  pthread_mutex_lock(&g_go_mutex);
  g_go = 1;
  pthread_cond_broadcast(&g_go_cond);
  pthread_mutex_unlock(&g_go_mutex);
}

static void* run_job(void* p) {
  struct job* j = p;
  pthread_mutex_lock(&g_go_mutex);
  while (!g_go) pthread_cond_wait(&g_go_cond, &g_go_mutex);
  pthread_mutex_unlock(&g_go_mutex);
  j->fn(j->ns);
  return NULL;
}

static void run_jobs(struct job* jobs, int n) {
  pthread_t* t = calloc((size_t)n, sizeof *t);
  go();
  for (int i = 0; i < n; ++i) pthread_create(&t[i], NULL, run_job, &jobs[i]);
  for (int i = 0; i < n; ++i) pthread_join(t[i], NULL);
  free(t);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: timer_load burn|fair|short|fork|pre ...\n");
    return 2;
  }
  const char* mode = argv[1];
  /* SECONDS is the 2nd argument of "fair" and "fork", the 3rd of the others. */
  const int seconds_arg = strcmp(mode, "fair") == 0 || strcmp(mode, "fork") == 0 ? 2 : 3;
  const uint64_t sec_ns = argc > seconds_arg ? (uint64_t)(atof(argv[seconds_arg]) * 1e9) : 0;
  if (strcmp(mode, "burn") == 0) {
    int n = atoi(argv[2]);
    struct job jobs[64];
    for (int i = 0; i < n && i < 64; ++i) jobs[i] = (struct job){burn_hot, sec_ns};
    run_jobs(jobs, n < 64 ? n : 64);
  } else if (strcmp(mode, "fair") == 0) {
    struct job jobs[2] = {{burn_three, 3 * sec_ns}, {burn_one, sec_ns}};
    run_jobs(jobs, 2);
  } else if (strcmp(mode, "short") == 0) {
    int n = atoi(argv[2]);
    uint64_t ns = (uint64_t)(atof(argv[3]) * 1000);
    struct job j = {short_hot, ns};
    go();
    for (int i = 0; i < n; i += 2) {
      pthread_t a, b;
      pthread_create(&a, NULL, run_job, &j);
      pthread_create(&b, NULL, run_job, &j);
      pthread_join(a, NULL);
      pthread_join(b, NULL);
    }
  } else if (strcmp(mode, "fork") == 0) {
    pid_t kid = fork();
    burn_hot(sec_ns);
    if (kid == 0) {
      printf("child_cpu_ns=%llu\n", (unsigned long long)process_cpu_ns());
      fflush(stdout);
      exit(0);
    }
    waitpid(kid, NULL, 0);
  } else if (strcmp(mode, "pre") == 0 && argc >= 5) {
    int n = atoi(argv[2]);
    struct job jobs[64];
    pthread_t t[64];
    if (n > 64) n = 64;
    for (int i = 0; i < n; ++i) {
      jobs[i] = (struct job){pre_hot, sec_ns};
      pthread_create(&t[i], NULL, run_job, &jobs[i]);
    }
    usleep(20000); /* the threads are up, waiting for g_go */
    lcprof_options o;
    lcprof_options_init(&o);
    o.timer = getenv("TIMER_LOAD_TIMER");
    if (getenv("TIMER_LOAD_HZ")) o.frequency_hz = atoi(getenv("TIMER_LOAD_HZ"));
    if (lcprof_start(argv[4], &o) != 0) return 3;
    /* The window the profile must account for: from here to lcprof_stop. */
    uint64_t before = process_cpu_ns();
    go();
    for (int i = 0; i < n; ++i) pthread_join(t[i], NULL);
    uint64_t after = process_cpu_ns();
    if (lcprof_stop() != 0) return 4;
    printf("cpu_ns=%llu\n", (unsigned long long)(after - before));
    return 0;
  } else {
    fprintf(stderr, "timer_load: unknown mode '%s'\n", mode);
    return 2;
  }
  printf("cpu_ns=%llu\n", (unsigned long long)process_cpu_ns());
  return 0;
}
