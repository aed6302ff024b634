/* benchrun: the benchmark's stopwatch (tools/bench/run.sh builds it,
 * tools/bench/measurement.py calls it for every run). It forks and execs one
 * command, waits for it with wait4() and reports what the kernel counted for
 * that child and every descendant it waited for: wall time, user+system CPU
 * and peak RSS.
 *
 *   benchrun -m FILE [-c] [-r N] [-o OUT] [-e ERR] [-s VAR=VALUE]... -- CMD ARGS...
 *
 *   -m FILE         append one line "runs=N wall_ns=W cpu_ns=C maxrss_kb=R
 *                   status=S children_cpu_ns=K" to FILE (W, C and K: medians
 *                   over the runs; R: the largest; S: the first non-zero exit
 *                   status, 128+signal for a signal, else 0)
 *   -c              also split the CPU: K is what the command's own reaped
 *                   children used, read from /proc/PID/stat while the
 *                   command is a zombie (10 ms resolution). For `perf
 *                   record -- WORKLOAD`: the workload's CPU without perf's.
 *                   Without -c, K is 0.
 *   -r N            run the command N times one after another (default 1)
 *   -o OUT, -e ERR  the command's stdout and stderr (default /dev/null)
 *   -s VAR=VALUE    set in the command's environment only, so that
 *                   LD_PRELOAD and friends never reach benchrun itself
 *
 * Exits 0 when the runs could be made (whatever their status), 2 on bad
 * arguments, 1 when fork/exec/wait failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SETS 64

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void* a, const void* b) {
  long long x = *(const long long*)a, y = *(const long long*)b;
  return (x > y) - (x < y);
}

static long long median(long long* v, int n) {
  qsort(v, (size_t)n, sizeof v[0], cmp_ll);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Reaped children's user+system CPU of the zombie `pid`, in ns, or -1. */
static long long zombie_children_cpu_ns(pid_t pid) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  /* Fields after the command name (which may hold spaces): state is field
   * 3, cutime 16 and cstime 17 (proc(5)). */
  char* p = strrchr(buf, ')');
  if (!p) return -1;
  unsigned long long cutime = 0, cstime = 0;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %llu %llu", &cutime,
             &cstime) != 2)
    return -1;
  return (long long)((cutime + cstime) * (1000000000.0 / (double)sysconf(_SC_CLK_TCK)));
}

static void usage(const char* why) {
  fprintf(stderr,
          "benchrun: %s (usage: benchrun -m FILE [-c] [-r N] [-o OUT] [-e ERR] [-s VAR=VALUE]... "
          "-- CMD ARGS...)\n",
          why);
  exit(2);
}

int main(int argc, char** argv) {
  const char *measure = NULL, *out = "/dev/null", *err = "/dev/null";
  char* sets[MAX_SETS];
  int nsets = 0, runs = 1, split = 0, i = 1;
  for (; i < argc; ++i) {
    const char* a = argv[i];
    if (strcmp(a, "--") == 0) {
      ++i;
      break;
    }
    if (strcmp(a, "-c") == 0) {
      split = 1;
      continue;
    }
    if (i + 1 >= argc) usage("option without a value");
    if (strcmp(a, "-m") == 0) {
      measure = argv[++i];
    } else if (strcmp(a, "-r") == 0) {
      runs = atoi(argv[++i]);
      if (runs < 1 || runs > 100000) usage("-r wants 1..100000");
    } else if (strcmp(a, "-o") == 0) {
      out = argv[++i];
    } else if (strcmp(a, "-e") == 0) {
      err = argv[++i];
    } else if (strcmp(a, "-s") == 0) {
      if (nsets == MAX_SETS) usage("too many -s");
      sets[nsets] = argv[++i];
      if (!strchr(sets[nsets], '=')) usage("-s wants VAR=VALUE");
      ++nsets;
    } else {
      usage("unknown option");
    }
  }
  if (!measure) usage("-m is required");
  if (i >= argc) usage("no command after --");
  char** cmd = argv + i;

  long long* wall = calloc((size_t)runs, sizeof *wall);
  long long* cpu = calloc((size_t)runs, sizeof *cpu);
  long long* children = calloc((size_t)runs, sizeof *children);
  long maxrss = 0;
  int first_status = 0;
  for (int r = 0; r < runs; ++r) {
    long long t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0) {
      perror("benchrun: fork");
      return 1;
    }
    if (pid == 0) {
      int o = open(out, O_WRONLY | O_CREAT | (r ? O_APPEND : O_TRUNC), 0644);
      int e = open(err, O_WRONLY | O_CREAT | (r ? O_APPEND : O_TRUNC), 0644);
      if (o < 0 || e < 0) _exit(126);
      dup2(o, 1);
      dup2(e, 2);
      for (int s = 0; s < nsets; ++s) putenv(sets[s]);
      execvp(cmd[0], cmd);
      fprintf(stderr, "benchrun: cannot run %s: %s\n", cmd[0], strerror(errno));
      _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (split) {
      siginfo_t si;
      while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0) {
        if (errno != EINTR) {
          perror("benchrun: waitid");
          return 1;
        }
      }
      children[r] = zombie_children_cpu_ns(pid);
    }
    while (wait4(pid, &status, 0, &ru) < 0) {
      if (errno != EINTR) {
        perror("benchrun: wait4");
        return 1;
      }
    }
    wall[r] = now_ns() - t0;
    cpu[r] = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
             (long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
    if (ru.ru_maxrss > maxrss) maxrss = ru.ru_maxrss;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code && !first_status) first_status = code;
  }
  FILE* m = fopen(measure, "a");
  if (!m) {
    perror("benchrun: cannot open the -m file");
    return 1;
  }
  fprintf(m, "runs=%d wall_ns=%lld cpu_ns=%lld maxrss_kb=%ld status=%d children_cpu_ns=%lld\n",
          runs, median(wall, runs), median(cpu, runs), maxrss, first_status,
          median(children, runs));
  fclose(m);
  return 0;
}
