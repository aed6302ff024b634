// Shared library for the dlopen stress program. Built twice: as the resident
// plugin (workers run in it the whole time) and as the churned one (opened
// and closed 1,000 times while they do). STRESS_PLUGIN_FN names the entry.
#include <stdint.h>

#include "spin.h"

__attribute__((visibility("default"), noinline)) uint64_t STRESS_PLUGIN_FN(uint64_t iterations) {
  return StressSpin(iterations, iterations);
}
