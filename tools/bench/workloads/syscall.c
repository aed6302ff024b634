/* A single-threaded system-call loop: `syscall SECONDS`. write() of 64
 * bytes to /dev/null, called directly by write_caller and at the bottom of
 * 40 frames of recursion under deep_write_caller (shares 1:1). Almost all
 * of the CPU is the system call itself, so what a profiler adds to each
 * call (a wrapper, a record to publish) shows in full. Prints tid and truth
 * lines. */
#include "truth.h"

#include <fcntl.h>

static int g_null = -1;
static const char g_buf[64];

NOINLINE void write_caller(void) {
  for (int i = 0; i < 16; ++i) sink += (uint64_t)write(g_null, g_buf, sizeof g_buf);
  KEEP_FRAME();
}

NOINLINE static void recurse(int depth) {
  if (depth == 0) {
    for (int i = 0; i < 16; ++i) sink += (uint64_t)write(g_null, g_buf, sizeof g_buf);
  } else {
    recurse(depth - 1);
  }
  KEEP_FRAME();
}

NOINLINE void deep_write_caller(void) {
  recurse(40);
  KEEP_FRAME();
}

int main(int argc, char** argv) {
  g_null = open("/dev/null", O_WRONLY);
  if (g_null < 0) return 1;
  struct phase p[] = {{"write_caller", write_caller, 1, 0},
                      {"deep_write_caller", deep_write_caller, 1, 0}};
  run_phases(p, 2, seconds_arg(argc, argv), 3);
  printf("tid %d\n", (int)gettid());
  print_truth(p, 2);
  return 0;
}
