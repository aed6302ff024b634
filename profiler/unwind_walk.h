// The dwarf and hybrid walkers: one loop that picks, frame by frame, a
// frame-pointer step or a DWARF step (unwind_dwarf.h), gated by what the code
// map (code_ranges.h) knows about the frame's function. Called by
// UnwindCallers (unwinder.cc) in the SIGPROF handler.
#pragma once

#include <cstdint>

#include "profiler/thread_stack.h"
#include "profiler/unwinder.h"

namespace lcprof {

// `hybrid` false: DWARF for every frame it can vouch for (dwarf mode);
// true: frame pointers wherever the function keeps rbp as its frame base at
// that pc, DWARF elsewhere. Either way a frame DWARF may not step is stepped
// by frame pointers. Same contract as UnwindCallers. Signal-safe.
int WalkMixed(const UnwindStart& start, StackBounds stack, uintptr_t* out, int max, bool hybrid);

// Loader calls (dlopen/dlclose) in progress on this thread; while non-zero no
// DWARF step is taken. Signal-safe reads; incremented by the thread itself.
int LoaderCallDepth();
void NoteLoaderCall(int delta);

}  // namespace lcprof
