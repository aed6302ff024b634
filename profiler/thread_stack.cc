// Storage for per-thread stack bounds; see thread_stack.h.
#include "profiler/thread_stack.h"

#include "profiler/platform.h"

namespace lcprof {
namespace {
__attribute__((tls_model("initial-exec"))) thread_local StackBounds t_stack;
}  // namespace

StackBounds ThisThreadStack() { return t_stack; }

void InitThisThreadStack() {
  uintptr_t lo = 0, hi = 0;
  if (QueryThisThreadStack(&lo, &hi)) t_stack = StackBounds{lo, hi};
}

}  // namespace lcprof
