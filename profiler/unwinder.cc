// Dispatch to the configured unwinder; see unwinder.h. fp: unwind_fp.h;
// dwarf and hybrid: unwind_walk.h over the code map (code_ranges.h) and
// libunwind (unwind_dwarf.h), both prepared here before the handler is armed.
#include "profiler/unwinder.h"

#include <atomic>
#include <string>

#include "profiler/code_ranges.h"
#include "profiler/sample.h"
#include "profiler/unwind_dwarf.h"
#include "profiler/unwind_fp.h"
#include "profiler/unwind_walk.h"

namespace lcprof {
namespace {
std::atomic<int> g_depth{kDefaultDepth};
std::atomic<UnwindMode> g_mode{UnwindMode::kHybrid};
}  // namespace

int UnwindCallers(const UnwindStart& start, StackBounds stack, uintptr_t* out, int max) {
  if (max <= 0) return 0;
  const UnwindMode mode = g_mode.load(std::memory_order_relaxed);
  if (mode != UnwindMode::kFramePointer && CurrentCodeMap() != nullptr) {
    return WalkMixed(start, stack, out, max, mode == UnwindMode::kHybrid);
  }
  FpWalkResult walk = WalkFramePointers(start.fp, start.sp, stack, out, max - 1);
  int n = walk.count;
  if (walk.truncated) {
    out[n++] = kFrameTruncated;
  } else if (walk.broken) {
    out[n++] = kFrameBrokenChain;
  }
  return n;
}

bool ConfigureUnwinder(UnwindMode mode, int depth, std::string* error) {
  g_depth.store(depth, std::memory_order_relaxed);
  if (mode != UnwindMode::kFramePointer) {
    // Both before the handler can see the mode: a walk never meets a missing
    // map or a cold libunwind.
    if (!WarmUpDwarf(error)) return false;
    PublishCodeMap(CodeMap::Build());
  }
  g_mode.store(mode, std::memory_order_relaxed);
  return true;
}

int UnwindDepth() { return g_depth.load(std::memory_order_relaxed); }

UnwindMode CurrentUnwindMode() { return g_mode.load(std::memory_order_relaxed); }

void UnwinderEnterLoaderCall() { NoteLoaderCall(1); }
void UnwinderLeaveLoaderCall() { NoteLoaderCall(-1); }

}  // namespace lcprof
