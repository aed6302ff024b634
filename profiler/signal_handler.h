// The SIGPROF handler: the only lcprof code that runs in signal context.
// Upstream: a sample timer (timer.h) raises SIGPROF; downstream: the handler
// walks the stack (unwind_fp.h) into a slot of the sample buffer.
#pragma once

#include <cstdint>

#include "profiler/sample_buffer.h"

namespace lcprof {

// Installs the handler for SIGPROF through libcall's signal guard, which
// keeps it installed whatever the program later does with SIGPROF (its
// sigaction is shadowed, and SIGPROFs it sends itself reach its own handler).
// Control path. Returns false when sigaction fails. The handler is never
// uninstalled: a SIGPROF still pending when profiling stops must meet a
// disarmed handler, not the default action, which would kill the program.
bool InstallProfSignalHandler();

// Starts/stops recording into `buffer` (each sample weighed by
// signal_weight.h, its stack walked by unwinder.h). Until
// Arm is called, and after Disarm, the handler records nothing. Disarm waits
// (briefly, by spinning) until no handler is still writing into the buffer,
// so the caller may drain and then free it. Control path.
void ArmProfSignalHandler(SampleBuffer* buffer);
void DisarmProfSignalHandler();

// In a fork child: handlers that were running on the parent's other threads
// do not exist here; forget them and disarm. Only thread of the child.
void ResetProfSignalHandlerAfterFork();

// Signal-safe body of the handler once the signal is weighed, exposed for
// tests that feed it a ucontext.
void RecordSampleFromContext(SampleBuffer& buffer, const void* ucontext, uint64_t cpu_nanos);

}  // namespace lcprof
