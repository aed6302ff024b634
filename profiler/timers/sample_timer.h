// Sample timers: what makes SIGPROF arrive. One class behind this interface
// (sample_timer.cc) runs the process-wide setitimer and the per-thread
// registry (thread_timers.h) with its timer_create or perf_event engine.
// Downstream: the SIGPROF handler, which asks signal_weight.h what each signal is worth.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "profiler/base/options.h"

namespace lcprof {

class SampleTimer {
 public:
  virtual ~SampleTimer() = default;
  // Starts delivering SIGPROF at about `hz` per CPU-second; each signal is
  // weighed per thread (thread_timers.h), which the caller switches on first. Control path. On
  // failure returns false and says why in *error; nothing is left running.
  virtual bool Start(int hz, std::string* error) = 0;
  // Stops every timer this engine armed. Control path; idempotent.
  virtual void Stop() = 0;
  // In a fork child, after ResetSampleTimersAfterFork: the same engine again
  // for the child's only thread, cheaply (no allocation on success, no
  // /proc read, no thread enumeration): its own timer (per-thread engines)
  // and the process itimer where the engine uses it. False when the kernel
  // refuses; nothing is left running.
  virtual bool RestartInForkChild() = 0;
  // The interval actually programmed, in nanoseconds (after the engine's rounding).
  virtual uint64_t period_nanos() const = 0;
  // The engine really running (a refused perf engine runs as "thread").
  virtual TimerKind kind() const = 0;
};

// The engine for `kind`. kItimer: one process-wide setitimer(ITIMER_PROF),
// each signal weighing the interrupted thread's CPU time since its previous
// sample. kThread and kPerf: a timer per thread (thread_timers.h), plus the
// itimer for threads that have none. Settlement samples of exiting threads
// (what a thread ran after its last sample, or expiries no signal reported)
// go where the SIGPROF handler records (signal_handler.h).
std::unique_ptr<SampleTimer> MakeSampleTimer(TimerKind kind);

// In a fork child (its only thread), before the parent's engine object is
// destroyed: forgets the parent's timers (which the child does not have)
// and the locks other parent threads may have held. Control path.
void ResetSampleTimersAfterFork();

// Signal-safe, for an exec from a program signal handler, where the session
// cannot be stopped (that takes locks and allocates): stops every timer
// that can signal the calling thread or the process (the process itimer
// and the thread's own timer; other threads' timers signal only threads the
// exec ends), without freeing anything. Resume undoes it after a failed exec.
void SuspendTimersBeforeExec();
void ResumeTimersAfterFailedExec();

}  // namespace lcprof
