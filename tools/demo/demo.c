/* lcprof's demo: a small program with a few hot functions, part of whose CPU
 * time is spent inside libc calls (read, write) made from known callers.
 * Run by the README's first Quick start command under `lcprof record`. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static double cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pure user-space work: trial-division prime counting. */
NOINLINE static long count_primes(long limit) {
  long count = 0;
  for (long n = 2; n < limit; ++n) {
    int prime = 1;
    for (long d = 2; d * d <= n; ++d) {
      if (n % d == 0) {
        prime = 0;
        break;
      }
    }
    count += prime;
  }
  return count;
}

/* Mostly kernel time inside read(): the kernel zero-fills each buffer. */
NOINLINE static uint64_t load_blocks(int fd, int blocks) {
  static char buf[1 << 16];
  uint64_t sum = 0;
  for (int i = 0; i < blocks; ++i) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) sum += (uint64_t)(unsigned char)buf[n - 1] + (uint64_t)n;
  }
  return sum;
}

/* Many small write() calls: system-call cost dominates. */
NOINLINE static long emit_log_lines(int fd, int lines) {
  char line[64];
  long bytes = 0;
  for (int i = 0; i < lines; ++i) {
    int len = snprintf(line, sizeof line, "event %d\n", i);
    bytes += write(fd, line, (size_t)len);
  }
  return bytes;
}

/* User-space hashing of a buffer. */
NOINLINE static uint64_t hash_buffer(const unsigned char* p, size_t n, int rounds) {
  uint64_t h = 1469598103934665603ull;
  for (int r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 1099511628211ull;
    }
  }
  return h;
}

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 2.0;
  int zero = open("/dev/zero", O_RDONLY);
  int null = open("/dev/null", O_WRONLY);
  if (zero < 0 || null < 0) {
    perror("lcprof-demo: open");
    return 1;
  }
  static unsigned char data[1 << 14];
  for (size_t i = 0; i < sizeof data; ++i) data[i] = (unsigned char)(i * 7);

  long primes = 0, bytes = 0;
  uint64_t sum = 0, hash = 0;
  double start = cpu_seconds();
  while (cpu_seconds() - start < seconds) {
    primes += count_primes(60000);
    sum += load_blocks(zero, 1500);
    bytes += emit_log_lines(null, 3000);
    hash += hash_buffer(data, sizeof data, 40);
  }
  printf("lcprof-demo: primes=%ld read-sum=%llu wrote=%ld hash=%llx\n", primes,
         (unsigned long long)sum, bytes, (unsigned long long)hash);
  close(zero);
  close(null);
  return 0;
}
