// How much CPU time one SIGPROF stands for, and whether it is counted at all.
// The timer engines (sample_timer.h) configure it; the SIGPROF handler asks
// it first thing. Upstream: the timer; downstream: signal_handler.cc.
//
// Signals are told apart by si_code (docs/timers.md):
//   SI_KERNEL            setitimer(ITIMER_PROF), process-wide; the program's
//                        when it uses ITIMER_PROF itself (prof_itimer.h)
//   SI_TIMER + our tag   a per-thread timer_create timer (LCPROF_TIMER=thread);
//                        without the tag, the program's own timer
//   POLL_IN..POLL_HUP    a perf_event counter's F_SETSIG signal (LCPROF_TIMER=perf)
//   SI_QUEUE + our tag   lcprof's stack-bounds handshake (thread_stack.h): never a sample
//   anything else        kill/tgkill by someone: weighed like an itimer signal
#pragma once

#include <signal.h>

#include <cstdint>

namespace lcprof {

// The CPU nanoseconds the signal `info` on the calling thread stands for, or
// 0 when it must not be recorded (a handshake, a stale signal of a deleted
// timer, or an itimer signal on a thread its own timer already covers).
// Signal-safe; the caller preserves errno.
uint64_t WeighProfSignal(const siginfo_t* info);

// True for signals lcprof's own timers or handshakes send, even those with
// si_code <= 0 (SI_TIMER, SI_QUEUE + tag), which a kill() test alone would
// take for the program's. Signal-safe.
bool SentByLcprof(const siginfo_t* info);

// Control path. Each replaces the previous configuration.
// Every signal stands for `period_nanos` (tests).
void SetFixedSignalWeight(uint64_t period_nanos);
// The thread registry (thread_timers.h) weighs every signal: per-thread
// timers' signals by their expiries, itimer signals by the interrupted
// thread's CPU time since its previous sample (dropped on threads that have
// a timer of their own).
void SetPerThreadSignalWeight();
// No signal counts.
void ClearSignalWeight();

}  // namespace lcprof
