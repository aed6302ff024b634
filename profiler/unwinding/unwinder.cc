// Dispatch to the configured unwinder; see unwinder.h. fp: unwind_fp.h;
// dwarf and hybrid: unwind_walk.h over the module map (code_modules.h), the
// frame-rule cache (frame_rule_cache.h) and libunwind (unwind_dwarf.h). Set-up
// reads nothing: three module lookups, an untouched mapping for the cache,
// and one unwind of this thread to resolve libunwind's lazy state.
#include "profiler/unwinding/unwinder.h"

#include <atomic>
#include <string>

#include "profiler/unwinding/code_modules.h"
#include "profiler/unwinding/frame_rule_cache.h"
#include "profiler/unwinding/unload_guard.h"
#include "profiler/unwinding/unwind_dwarf.h"
#include "profiler/unwinding/unwind_fp.h"
#include "profiler/unwinding/unwind_walk.h"

namespace lcprof {
namespace {
std::atomic<int> g_depth{kDefaultDepth};
std::atomic<UnwindMode> g_mode{UnwindMode::kHybrid};
}  // namespace

int UnwindCallers(const UnwindStart& start, StackBounds stack, uintptr_t* out, int max) {
  if (max <= 0) return 0;
  const UnwindMode mode = g_mode.load(std::memory_order_relaxed);
  if (mode != UnwindMode::kFramePointer) {
    return WalkMixed(start, stack, out, max, mode == UnwindMode::kHybrid);
  }
  return UnwindByFramePointers(start, stack, out, max);
}

bool ConfigureUnwinder(UnwindMode mode, int depth, std::string* error) {
  g_depth.store(depth, std::memory_order_relaxed);
  PrepareCodeModules();  // the libcall reader needs libc's span in every mode
  if (mode != UnwindMode::kFramePointer) {
    // Before the handler can see the mode: a walk never meets a missing
    // cache or a cold libunwind.
    if (!WarmUpDwarf(error)) return false;
    PrepareFrameRuleCache();
    PrepareUnloadGuard();
  }
  g_mode.store(mode, std::memory_order_relaxed);
  return true;
}

int UnwindDepth() { return g_depth.load(std::memory_order_relaxed); }

UnwindMode CurrentUnwindMode() { return g_mode.load(std::memory_order_relaxed); }

std::string UnwindStatsComment() {
  const UnwindCounters c = ReadUnwindCounters();
  return "lcprof: unwinding " + std::string(UnwindModeName(CurrentUnwindMode())) + ": " +
         std::to_string(c.cfi_reads) + " CFI rows read, " + std::to_string(c.libunwind_fallbacks) +
         " libunwind fallbacks, " + std::to_string(c.cache_full) +
         " rows not cached (cache full), " + std::to_string(c.unload_fp_walks) +
         " walks by frame pointers during dlclose";
}

}  // namespace lcprof
