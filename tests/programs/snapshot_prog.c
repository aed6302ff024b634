/* A long-running program for the snapshot tests (LCPROF_PERIOD,
 * LCPROF_FLUSH_SIGNAL, LCPROF_ON_TERM, CPUPROFILESIGNAL). Two phases burn
 * CPU in functions of their own, so each profile shows which phase it saw:
 *   snapshot_prog period             phase_one 1 s, then phase_two 1 s (CPU)
 *   snapshot_prog flush SIG FILE     phase_one; raise SIG; wait for FILE and
 *                                    move it to FILE.snap; phase_two
 *   snapshot_prog term SIG           phase_one; raise SIG; phase_two until
 *                                    killed (exit 9 after 60 s: not killed)
 *   snapshot_prog term-handled       the same with a SIGTERM handler of its
 *                                    own, which prints "handled" and exit(3)s
 *   snapshot_prog toggle SIG FILE    raise SIG; phase_one; raise SIG; wait
 *                                    for FILE; phase_two
 *   snapshot_prog fork-idle          forks a child that exit()s at once */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;
static volatile sig_atomic_t term_seen;

static double CpuSeconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double WallSeconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Burns `seconds` of CPU, or until `stop` is set (when not null). */
static void Burn(double seconds, volatile sig_atomic_t* stop) {
  const double end = CpuSeconds() + seconds;
  uint64_t x = 1;
  while (CpuSeconds() < end && (stop == NULL || !*stop)) {
    for (int i = 0; i < 100000; ++i) x = x * 2862933555777941757ull + 3037000493ull;
  }
  sink = x;
}

__attribute__((noinline)) void phase_one(double seconds) {
  Burn(seconds, NULL);
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void phase_two(double seconds, volatile sig_atomic_t* stop) {
  Burn(seconds, stop);
  __asm__ volatile("" ::: "memory");
}

/* Waits (30 s at most) for `file` to appear. */
static int WaitForFile(const char* file) {
  const double end = WallSeconds() + 30;
  while (access(file, F_OK) != 0) {
    if (WallSeconds() > end) return 0;
    usleep(10000);
  }
  return 1;
}

static void OnTerm(int sig) {
  (void)sig;
  term_seen = 1;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* mode = argv[1];
  if (strcmp(mode, "period") == 0) {
    phase_one(1.0);
    phase_two(1.0, NULL);
  } else if (strcmp(mode, "flush") == 0 && argc == 4) {
    phase_one(0.4);
    kill(getpid(), atoi(argv[2]));
    if (!WaitForFile(argv[3])) return 4;
    char snap[4096];
    snprintf(snap, sizeof snap, "%s.snap", argv[3]);
    if (rename(argv[3], snap) != 0) return 5;
    phase_two(0.4, NULL);
  } else if (strcmp(mode, "term") == 0 && argc == 3) {
    phase_one(0.4);
    kill(getpid(), atoi(argv[2]));
    phase_two(60, NULL);
    return 9;
  } else if (strcmp(mode, "term-handled") == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = OnTerm;
    sigaction(SIGTERM, &sa, NULL);
    phase_one(0.4);
    kill(getpid(), SIGTERM);
    phase_two(60, &term_seen);
    if (!term_seen) return 9;
    printf("handled\n");
    exit(3);
  } else if (strcmp(mode, "toggle") == 0 && argc == 4) {
    kill(getpid(), atoi(argv[2]));
    phase_one(0.5);
    kill(getpid(), atoi(argv[2]));
    if (!WaitForFile(argv[3])) return 4;
    phase_two(0.3, NULL);
  } else if (strcmp(mode, "fork-idle") == 0) {
    const pid_t child = fork();
    if (child == 0) exit(0);
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || status != 0) return 6;
  } else {
    return 2;
  }
  printf("snapshot_prog: %s done\n", mode);
  return 0;
}
