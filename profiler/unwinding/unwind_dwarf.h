// The DWARF step, on LLVM libunwind: one frame at a time, started from
// registers the walker hands over (the interrupted ucontext, a libcall record
// or a frame reached by frame pointers). Used by unwind_walk.cc in the SIGPROF
// handler; whether a frame may be stepped at all is the walker's gate.
#pragma once

#include <cstdint>
#include <string>

#include "profiler/unwinding/thread_stack.h"

namespace lcprof {

// The three registers every walker tracks between frames.
struct FrameRegs {
  uintptr_t pc = 0;
  uintptr_t sp = 0;
  uintptr_t fp = 0;
};

class DwarfStepper {
 public:
  // Positions the cursor on the frame `at`. `pc_is_return`: at.pc is a return
  // address (the lookup then uses pc - 1, the call instruction's row).
  // Otherwise at.pc is an exact (interrupted) pc: libunwind applies only the
  // CFI rows that start strictly below the pc it is given (return-address
  // semantics), so an exact pc is handed over as pc + 1 to get the row in
  // force *at* pc; the caller makes sure pc + 1 lies in the same FDE. With a
  // ucontext every register comes from it; otherwise only pc, sp and fp are
  // known and the rest read as 0. Signal-safe.
  bool Begin(const FrameRegs& at, bool pc_is_return, const void* ucontext);
  // Steps to the caller: 1 with *caller filled; 0 when libunwind stops, with
  // *caller holding the registers it reached (unchanged or pc 0 at the
  // outermost frame, else a caller in code it has no unwind info for); -1 on
  // failure. Signal-safe once WarmUpDwarf has run.
  int Step(FrameRegs* caller);

 private:
  alignas(16) uint64_t cursor_[180];  // an unw_cursor_t (size checked in the .cc)
};

// While a handler unwinds, libunwind must not reach dl_iterate_phdr (it takes
// the loader's lock): liblcprof links libunwind with --wrap=dl_iterate_phdr
// and the wrapper refuses while this thread is inside a DWARF walk. Counts
// for tests: refused calls, and calls let through during a walk (must be 0).
struct DwarfGuardCounts {
  uint64_t refused = 0;
};
DwarfGuardCounts DwarfGuardCountsForTest();

// RAII marker for "this thread is in a signal-context DWARF walk".
class DwarfWalkScope {
 public:
  DwarfWalkScope();
  ~DwarfWalkScope();
  DwarfWalkScope(const DwarfWalkScope&) = delete;
  DwarfWalkScope& operator=(const DwarfWalkScope&) = delete;
};

// Resolves libunwind's lazily initialised state (its dlsym of _dl_find_object,
// its logging switches) by unwinding this thread once. Control path, before
// the handler is armed. False with a reason when libunwind cannot walk here.
bool WarmUpDwarf(std::string* error);

}  // namespace lcprof
