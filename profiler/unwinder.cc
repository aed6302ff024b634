// Dispatch to the configured unwinder; see unwinder.h.
// TODO(issue 4): dwarf and hybrid currently fall back to frame pointers.
#include "profiler/unwinder.h"

#include <atomic>
#include <string>

#include "profiler/sample.h"
#include "profiler/unwind_fp.h"

namespace lcprof {
namespace {
std::atomic<int> g_depth{kDefaultDepth};
}  // namespace

int UnwindCallers(const UnwindStart& start, StackBounds stack, uintptr_t* out, int max) {
  if (max <= 0) return 0;
  FpWalkResult walk = WalkFramePointers(start.fp, start.sp, stack, out, max - 1);
  int n = walk.count;
  if (walk.truncated) out[n++] = kFrameTruncated;
  return n;
}

bool ConfigureUnwinder(UnwindMode /*mode*/, int depth, std::string* /*error*/) {
  g_depth.store(depth, std::memory_order_relaxed);
  return true;
}

int UnwindDepth() { return g_depth.load(std::memory_order_relaxed); }

}  // namespace lcprof
