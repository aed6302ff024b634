/* A program with a profiling timer of its own: it arms ITIMER_PROF at
 * 100 Hz with a SIGPROF handler that counts ticks, burns `seconds` of CPU in
 * burn_own_itimer, disarms, and prints what it saw: its tick count, what
 * getitimer told it before arming (it never armed: zero) and while armed
 * (its own 10 ms interval), and the old value its disarming setitimer got.
 * Usage: own_itimer [seconds]  */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t g_ticks;

static void on_prof(int sig) {
  (void)sig;
  g_ticks++;
}

static double cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static double burn_own_itimer(double seconds) {
  double x = 0;
  const double until = cpu_seconds() + seconds;
  while (cpu_seconds() < until) {
    for (int i = 0; i < 100000; ++i) x += i * 0.5;
  }
  return x;
}

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? atof(argv[1]) : 1.0;
  struct itimerval before, during, old;
  memset(&before, 0xff, sizeof before);
  if (getitimer(ITIMER_PROF, &before) != 0) return 2;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_prof;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGPROF, &sa, NULL);
  struct itimerval it;
  memset(&it, 0, sizeof it);
  it.it_interval.tv_usec = 10000;
  it.it_value.tv_usec = 10000;
  if (setitimer(ITIMER_PROF, &it, NULL) != 0) return 3;
  if (getitimer(ITIMER_PROF, &during) != 0) return 4;
  volatile double sink = burn_own_itimer(seconds);
  (void)sink;
  struct itimerval off;
  memset(&off, 0, sizeof off);
  if (setitimer(ITIMER_PROF, &off, &old) != 0) return 5;

  printf("ticks=%d\n", (int)g_ticks);
  printf("before=%ld.%06ld/%ld.%06ld\n", (long)before.it_value.tv_sec,
         (long)before.it_value.tv_usec, (long)before.it_interval.tv_sec,
         (long)before.it_interval.tv_usec);
  printf("during_interval=%ld.%06ld\n", (long)during.it_interval.tv_sec,
         (long)during.it_interval.tv_usec);
  printf("old_interval=%ld.%06ld\n", (long)old.it_interval.tv_sec, (long)old.it_interval.tv_usec);
  return 0;
}
