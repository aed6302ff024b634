/* CPU-bound user code: `cpu SECONDS`. Three callers with CPU shares 1:2:3,
 * each calling a function of its own that calls the leaf spin() (so that a
 * frame-pointer walk, which skips a frameless leaf's direct caller, still
 * reaches the caller). Prints tid and truth lines (truth.h). */
#include "truth.h"

NOINLINE static void mix_a(void) { spin(100); KEEP_FRAME(); }
NOINLINE static void mix_b(void) { spin(30); spin(70); KEEP_FRAME(); }
NOINLINE static void mix_c(void) { for (int i = 0; i < 4; ++i) spin(25); KEEP_FRAME(); }

NOINLINE void alpha_caller(void) { mix_a(); KEEP_FRAME(); }
NOINLINE void beta_caller(void) { mix_b(); KEEP_FRAME(); }
NOINLINE void gamma_caller(void) { mix_c(); KEEP_FRAME(); }

int main(int argc, char** argv) {
  struct phase p[] = {{"alpha_caller", alpha_caller, 1, 0},
                      {"beta_caller", beta_caller, 2, 0},
                      {"gamma_caller", gamma_caller, 3, 0}};
  run_phases(p, 3, seconds_arg(argc, argv), 1);
  printf("tid %d\n", (int)gettid());
  print_truth(p, 3);
  return 0;
}
