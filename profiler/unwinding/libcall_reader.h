// The reader side of the libcall contract: builds a sample's stack from the
// interrupted context, the thread's libcall records and the program-handler
// frames lcprof's signal trampoline recorded (libcall/signal_guard.h).
// Called by the SIGPROF handler (signal_handler.cc); walks with unwinder.h.
#pragma once

#include <cstdint>

#include "profiler/base/platform.h"
#include "profiler/unwinding/sample.h"

namespace lcprof {

// Learns which code is the "inside of a wrapped call" (libc, the dynamic
// loader and the vDSO: code_modules.h's InWrappedCallCode). Control path;
// call before the handler is armed. Idempotent; reads no file.
void PrepareLibcallReader();

// Fills s.frames, s.depth and s.mark (and s.g) for the interrupted context
// `regs` (full registers in `ucontext`). Signal-safe.
void FillSampleStack(Sample& s, const InterruptedRegs& regs, const void* ucontext);

}  // namespace lcprof
