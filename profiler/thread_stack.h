// Per-thread stack bounds, the fence every stack walker checks before it reads
// a word. Set on each thread outside signal context (at profiling start for the
// starting thread, by the pthread_create hook for new threads); read by the
// SIGPROF handler on the same thread.
#pragma once

#include <cstdint>

namespace lcprof {

struct StackBounds {
  uintptr_t lo = 0;  // lowest readable address of the stack
  uintptr_t hi = 0;  // one past the highest; 0 = unknown
  bool Contains(uintptr_t a) const { return a >= lo && a < hi; }
};

// The calling thread's bounds, {0, 0} when unknown. Signal-safe.
StackBounds ThisThreadStack();

// Looks the calling thread's stack up and remembers it. Control path only.
void InitThisThreadStack();

}  // namespace lcprof
