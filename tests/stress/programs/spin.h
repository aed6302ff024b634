// CPU burner shared by the stress programs: a loop the compiler cannot
// remove, so a function that calls it holds the samples the test expects.
#pragma once

#include <stdint.h>

// Spins for about `iterations` dependent multiply-adds (about 1 ns each);
// returns a value the caller folds into its output so the work is kept.
static inline uint64_t StressSpin(uint64_t iterations, uint64_t seed) {
  volatile uint64_t x = seed | 1;
  for (uint64_t i = 0; i < iterations; i++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  return x;
}
