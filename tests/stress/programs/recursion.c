// Stress: recursion 10,000 frames deep, burning CPU at every level on the way
// down and at the bottom. Stacks are far deeper than LCPROF_DEPTH allows, so
// every sample is cut; the leaf functions must still be named.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "spin.h"

__attribute__((noinline)) static uint64_t spin_at_bottom(void) { return StressSpin(300000000, 11); }

__attribute__((noinline)) static uint64_t recurse(int depth) {
  uint64_t here = StressSpin(20000, (uint64_t)depth);
  if (depth == 0) return here + spin_at_bottom();
  uint64_t below = recurse(depth - 1);
  return below ^ (here & 1);  // not a tail call: every level keeps its frame
}

int main(int argc, char** argv) {
  const int depth = argc > 1 ? atoi(argv[1]) : 10000;
  uint64_t rounds = 0;
  for (int i = 0; i < 2; i++) rounds += (recurse(depth) != 0) + 1;
  printf("recursed %d deep, %llu rounds\n", depth, (unsigned long long)rounds);
  return 0;
}
