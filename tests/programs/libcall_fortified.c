/* A workload built the way Debian, Ubuntu and Fedora build packages
 * (-O2, frame pointers, -D_FORTIFY_SOURCE=3, -D_FILE_OFFSET_BITS=64; see
 * libcall.cmake), whose CPU is mostly inside wrapped calls that the headers
 * redirect: read -> __read_chk, open -> open64 / __open64_2,
 * mmap -> mmap64, fcntl -> fcntl64. Each is made from its own known caller.
 * `libcall_fortified SECONDS`; prints "done". */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;
static volatile int read_only_flags = O_RDONLY; /* not a constant: __open64_2 */
static volatile size_t read_size = 1 << 15;     /* not a constant: __read_chk */
static int zero_fd;
static const char* path;

static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

NOINLINE void call_read(void) {
  static char buf[1 << 15]; /* a known size, an unknown count: __read_chk */
  for (int i = 0; i < 40; ++i) sink += (uint64_t)read(zero_fd, buf, read_size);
}

NOINLINE void call_open(void) {
  for (int i = 0; i < 20; ++i) {
    int fd = open(path, read_only_flags);
    sink += (uint64_t)fd;
    close(fd);
  }
}

NOINLINE void call_open_create(void) {
  for (int i = 0; i < 20; ++i) {
    int fd = open(path, O_RDONLY | O_CREAT, 0600);
    sink += (uint64_t)fd;
    close(fd);
  }
}

NOINLINE void call_mmap(void) {
  for (int i = 0; i < 40; ++i) {
    void* p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ((volatile char*)p)[0] = 1;
    munmap(p, 1 << 16);
  }
}

NOINLINE void call_fcntl(void) {
  for (int i = 0; i < 200; ++i) sink += (uint64_t)fcntl(zero_fd, F_GETFL);
}

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 3;
  path = argv[0]; /* opened read-only: O_CREAT leaves an existing file alone */
  zero_fd = open("/dev/zero", O_RDONLY);
  if (zero_fd < 0) return 1;
  void (*const callers[])(void) = {call_read, call_open, call_open_create, call_mmap, call_fcntl};
  double start = thread_cpu();
  while (thread_cpu() - start < seconds) {
    for (size_t c = 0; c < sizeof callers / sizeof callers[0]; ++c) {
      double t0 = thread_cpu();
      while (thread_cpu() - t0 < 0.004) callers[c]();
    }
  }
  printf("done\n");
  return 0;
}
