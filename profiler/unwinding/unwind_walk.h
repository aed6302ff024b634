// The dwarf and hybrid walkers: one loop that steps frame by frame with the
// CFI row in force at each frame's pc (frame_rule.h), learned once per code
// address and kept in the frame-rule cache. Called by UnwindCallers
// (unwinder.cc) in the SIGPROF handler.
#pragma once

#include <cstdint>

#include "profiler/base/options.h"
#include "profiler/unwinding/thread_stack.h"
#include "profiler/unwinding/unwinder.h"

namespace lcprof {

// hybrid: lcprof applies each frame's row itself (a cache probe and two or
// three stack reads); LLVM libunwind steps only frames whose CFI the row
// cannot express (a counted fallback). dwarf: LLVM libunwind steps every
// frame it can be allowed to, the rows serving as its bounds gate; a
// reference for the fast path, at libunwind's cost. Either way code without
// unwind information (JIT code, hand-written assembly) is stepped by frame
// pointers. Same contract as UnwindCallers. Signal-safe.
int WalkMixed(const UnwindStart& start, StackBounds stack, uintptr_t* out, int max, bool hybrid);

// Counters since the process started, for the profile's comment and docs.
struct UnwindCounters {
  uint64_t libunwind_fallbacks = 0;  // hybrid frames whose CFI needed libunwind
  uint64_t cfi_reads = 0;            // cache misses: rows read from .eh_frame
  uint64_t cache_full = 0;           // rows read but not kept (cache full)
  uint64_t unload_fp_walks = 0;      // walks made by frame pointers during a dlclose
};
UnwindCounters ReadUnwindCounters();

}  // namespace lcprof
