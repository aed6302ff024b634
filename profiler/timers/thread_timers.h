// Per-thread sample timers (LCPROF_TIMER=thread|perf): a fixed table of slots,
// one timer per thread; with LCPROF_TIMER=itimer the same slots, without
// timers, hold each thread's CPU accounting for the process itimer's weights. The session arms one
// for every thread alive at start
// (/proc/self/task) and the thread hooks (libcall/thread_hooks.h) arm one on
// each thread the pthread_create wrapper starts, and delete it before the
// thread's record is retired. Downstream: the SIGPROF handler, through
// signal_weight.h, weighs their signals with the Weigh* functions below.
#pragma once

#include <signal.h>

#include <cstdint>
#include <string>

#include "profiler/base/options.h"

namespace lcprof {

// Threads with a timer of their own at one time; beyond that a thread is
// covered by the process-wide itimer only.
inline constexpr int kMaxTimedThreads = 4096;

// Control path. Arms timers of `kind` (kThread or kPerf; kItimer: slots only) with `period_nanos`
// for every thread of the process and, until StopThreadTimers, for each new
// one. A perf counter the kernel refuses for the calling thread makes the
// whole session fall back to kThread, said in one line on stderr; *kind
// tells which engine runs. False (with
// *error) when not even one timer can be armed.
bool StartThreadTimers(TimerKind* kind, uint64_t period_nanos, std::string* error);
// In a fork child after ResetThreadTimersAfterFork: arms `kind` for the
// calling thread, the child's only one, and for each new thread from here.
// No allocation on success, no /proc read. False when the kernel refuses.
bool StartThreadTimersInForkChild(TimerKind kind, uint64_t period_nanos);
// Deletes every timer. Control path; idempotent.
void StopThreadTimers();

// The thread hooks: on the new thread before its code runs, and on the
// thread as it ends (before its libcall record is retired). Exit disarms and
// deletes the timer with SIGPROF blocked, then returns the CPU of one
// settlement sample for the caller to record: the expiries its timer passed but never signalled (a
// CPU-clock timer is checked at the tick only, so a thread of 1 ms may end before its expiry is
// seen), or with the itimer what it ran since its last sample, plus the CPU
// it ran before its timer started and while the timer was deleted. Zero
// when timers are stopped.
void ThreadTimersOnThreadStart();
uint64_t ThreadTimersOnThreadExit();  // CPU no signal reported, to be recorded

// Signal-safe (exec from a program signal handler): stops the calling
// thread's own timer or counter without deleting it, and restarts it (after
// a failed exec). An exec deletes POSIX timers and closes the counters
// (close-on-exec) itself; stopping the calling thread's first keeps it from
// leaving a SIGPROF pending across the exec.
void SuspendThisThreadTimer();
void ResumeThisThreadTimer();

// In a fork child (only thread): the parent's timers do not exist here.
// Forgets them (closing the inherited perf descriptors) without touching
// the kernel's timers. Control path.
void ResetThreadTimersAfterFork();

// Signal-safe weights, on the signalled thread; 0 = do not record.
uint64_t WeighThreadTimerSignal(const siginfo_t* info);  // si_code SI_TIMER
// Signal-safe: an SI_TIMER signal carries lcprof's cookie (not one of the
// program's own timer_create timers).
bool IsLcprofTimerSignal(const siginfo_t* info);
uint64_t WeighPerfSignal(const siginfo_t* info);  // si_code POLL_*
// An itimer (or foreign) signal. LCPROF_TIMER=itimer: the thread's CPU time
// since its previous sample. On a thread with a timer of its own: the
// expiries of that timer now due (a signal of its own merged into this one,
// SIGPROF being a standard signal), usually 0. On a thread without a slot:
// its CPU time since its previous counted sample (or since it stopped having
// a timer, or since its birth).
uint64_t WeighUncoveredThreadSignal();

}  // namespace lcprof
