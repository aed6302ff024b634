// The SIGPROF handler: where signal context starts. What it calls also runs
// there: the weights (signal_weight.h, the Weigh* functions of the timer
// registry), the libcall reader and the unwinders (profiler/unwinding/), and
// the storage's Add/Note (sample_storage.h); docs/architecture.md, "Where
// code may run", lists them. Upstream: a sample timer (sample_timer.h) raises SIGPROF; downstream:
// the handler walks the stack (unwinder.h) into a Sample on its own stack and aggregates it into
// the session's storage (sample_storage.h) itself: no thread of lcprof's drains anything.
#pragma once

#include <cstdint>

#include "profiler/sampling/sample_storage.h"

namespace lcprof {

// Installs the handler for SIGPROF through libcall's signal guard, which
// keeps it installed whatever the program later does with SIGPROF (its
// sigaction is shadowed, and SIGPROFs it sends itself reach its own handler).
// Control path. Returns false when sigaction fails. The handler is never
// uninstalled: a SIGPROF still pending when profiling stops must meet a
// disarmed handler, not the default action, which would kill the program.
bool InstallProfSignalHandler();

// Starts recording into `storage` (each sample weighed by signal_weight.h,
// its stack walked by unwinder.h). Control path; `storage` must stay alive
// until DisarmProfSignalHandler has returned.
void ArmProfSignalHandler(SampleStorage* storage);

// Stops recording and waits until no handler is still inside the recording
// path, however long that takes: when it returns, every sample recorded is
// in the storage with exact counts, and nothing will touch the storage
// again, so the caller may read it and then free it. Control path, never
// from a signal handler.
void DisarmProfSignalHandler();

// In a fork child: handlers that were running on the parent's other threads
// do not exist here; forget them and disarm. Only thread of the child.
void ResetProfSignalHandlerAfterFork();

// Signal-safe body of the handler once the signal is weighed: walks the
// calling thread's stack from `ucontext` and records it. Exposed for tests
// that feed it a ucontext.
void RecordSampleFromContext(SampleStorage& storage, const void* ucontext, uint64_t cpu_nanos);

// Records one sample of the calling thread from `ucontext` into the armed
// storage from outside a signal handler (a thread's exit settlement,
// thread_timers.h), through the same counted path as the handler, so
// Disarm waits for it too. Does nothing when disarmed.
void RecordSampleOutsideHandler(const void* ucontext, uint64_t cpu_nanos);

// The same for CPU the calling thread ran that no sample saw (its exit
// settlement): `ucontext` is taken inside lcprof, and every leading frame in
// lcprof's own code is replaced by one kFrameUnsampled pseudo-frame, so the
// time hangs under the thread's root (start_thread) and never under an
// lcprof function. Control path.
void RecordUnsampledCpu(const void* ucontext, uint64_t cpu_nanos);

}  // namespace lcprof
