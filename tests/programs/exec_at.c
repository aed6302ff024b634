/* `exec_at PROGRAM ARGS...`: burns CPU in exec_at_burn, then replaces itself
 * with PROGRAM through execveat(2), in an environment without LD_PRELOAD (the
 * new image runs without lcprof, as a program exec'ed by a profiled one
 * may). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char** environ;
static volatile uint64_t sink;

__attribute__((noinline)) void exec_at_burn(double seconds) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  double end = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + seconds;
  uint64_t x = 1;
  for (;;) {
    for (int i = 0; i < 100000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    if ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9 >= end) break;
  }
  sink = x;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  exec_at_burn(0.3);
  char* env[256];
  int n = 0;
  for (char** e = environ; *e != NULL && n < 255; ++e) {
    if (strncmp(*e, "LD_PRELOAD=", 11) != 0) env[n++] = *e;
  }
  env[n] = NULL;
  execveat(AT_FDCWD, argv[1], argv + 1, env, 0);
  perror("execveat");
  return 127;
}
