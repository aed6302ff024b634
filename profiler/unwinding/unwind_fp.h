// The frame-pointer unwinder: follows the saved-rbp chain from a starting frame
// pointer. Called by the signal handler (signal_handler.cc) for both kinds of
// start: the interrupted context and the libcall record.
#pragma once

#include <cstdint>

#include "profiler/unwinding/thread_stack.h"
#include "profiler/unwinding/unwinder.h"

namespace lcprof {

struct FpWalkResult {
  int count = 0;           // return addresses written
  bool truncated = false;  // stopped because `max` was reached
  // Stopped on a frame that broke a rule (outside the stack, misaligned, not
  // above the previous one) rather than at the chain's root (a saved fp of 0).
  bool broken = false;
};

// Writes the return addresses of the frames above `fp` into out[0..max).
// Reads only words inside [floor, stack.hi): `floor` is the lowest address the
// walk may touch (the stack pointer it starts from), so every read lies in the
// live part of the thread's stack. Frames must be 8-aligned and strictly
// increasing, and a "return address" inside the stack (the slot one word off:
// a saved rbp) is no frame; the first frame that breaks a rule ends the walk
// (broken). Signal-safe.
FpWalkResult WalkFramePointers(uintptr_t fp, uintptr_t floor, StackBounds stack, uintptr_t* out,
                               int max);

// The same walk from `start`, written as UnwindCallers writes (unwinder.h):
// out[0..max) with a pseudo-frame ending a cut or broken walk. An interrupted
// pc (start.ucontext set) at a function's entry (`[endbr64] push %rbp`), on
// its `mov %rsp,%rbp`, or on a `ret` has not set up its frame (or has left
// it): its caller is the return address at sp (sp + 8 after the push), and
// rbp still the caller's; the walk takes that word first. fp mode, and walks
// made while a module is being unloaded.
int UnwindByFramePointers(const UnwindStart& start, StackBounds stack, uintptr_t* out, int max);

}  // namespace lcprof
