// The unwinder the SIGPROF handler calls: given where a walk starts (the
// interrupted context, or a libcall record), it writes the callers' return
// addresses. Which technique runs (frame pointers, DWARF, hybrid) is chosen
// once per session by ConfigureUnwinder. Upstream: signal_handler.cc.
#pragma once

#include <cstdint>
#include <string>

#include "profiler/base/options.h"
#include "profiler/unwinding/thread_stack.h"

namespace lcprof {

struct UnwindStart {
  uintptr_t pc = 0;  // the frame the walk starts in (exact pc, or a return address)
  uintptr_t sp = 0;  // its stack pointer: the lowest stack address the walk may read
  uintptr_t fp = 0;  // its frame pointer
  // The interrupted ucontext when starting from the signal context (all
  // registers known); nullptr when starting from a libcall record (only pc,
  // sp and fp known, pc a return address).
  const void* ucontext = nullptr;
};

// Writes the return addresses of the callers of `start.pc`'s frame into
// out[0..max), callers towards the root, and returns how many it wrote. A walk
// cut by `max` or that fails for a reason worth showing ends with a
// pseudo-frame (sample.h) counted in the result. Never reads memory outside
// the thread's stack (from start.sp up) or known code. Signal-safe.
int UnwindCallers(const UnwindStart& start, StackBounds stack, uintptr_t* out, int max);

// Selects the technique and depth for the session. Control path, before the
// handler is armed (may warm up lazily resolved state). Returns false with a
// one-line reason in *error when the mode cannot run here.
bool ConfigureUnwinder(UnwindMode mode, int depth, std::string* error);

// Frames a sample may hold beyond its leaf, as configured (LCPROF_DEPTH).
int UnwindDepth();

// The technique ConfigureUnwinder selected (kHybrid before any call).
UnwindMode CurrentUnwindMode();

// One line for the profile's comments: what the walks since start needed
// (rows read from .eh_frame, libunwind fallbacks, cache overflow, walks made
// by frame pointers while a module was unloaded). Control path.
std::string UnwindStatsComment();

}  // namespace lcprof
