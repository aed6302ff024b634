/* Deep recursion: `deep SECONDS`. deep_caller reaches the hot leaf through
 * 100 frames of recursion, mid_caller through 30, shallow_caller directly
 * (through one function); shares 2:1:1. A profiler that keeps fewer than
 * ~105 frames loses deep_caller. Prints tid and truth lines. */
#include "truth.h"

NOINLINE static void recurse(int depth) {
  if (depth == 0) {
    spin(50);
  } else {
    recurse(depth - 1);
  }
  KEEP_FRAME();
}

NOINLINE static void leaf_work(void) { spin(50); KEEP_FRAME(); }

NOINLINE void deep_caller(void) { recurse(100); KEEP_FRAME(); }
NOINLINE void mid_caller(void) { recurse(30); KEEP_FRAME(); }
NOINLINE void shallow_caller(void) { leaf_work(); KEEP_FRAME(); }

int main(int argc, char** argv) {
  struct phase p[] = {{"deep_caller", deep_caller, 2, 0},
                      {"mid_caller", mid_caller, 1, 0},
                      {"shallow_caller", shallow_caller, 1, 0}};
  run_phases(p, 3, seconds_arg(argc, argv), 4);
  printf("tid %d\n", (int)gettid());
  print_truth(p, 3);
  return 0;
}
