// One thread's sample timer, as the per-thread engines (posix_cpu_timer.cc,
// perf_event_timer.cc) arm it and the registry (thread_timer_registry.cc) keeps it.
// Internal to those files and the registry's (thread_timer_table.h, thread_timer_weights.cc); the
// SIGPROF handler reaches slots only through thread_timers.h.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <string>

namespace lcprof {

// The slot's lifecycle: kFree -> (registry mutex) kArmed -> (mutex) kFree.
// Fields other than `state`, `gen` and `expiries` are written under the
// registry mutex while the slot is not kArmed, then published by the release
// store of kArmed; the handler reads them after an acquire load of `state`.
struct ThreadTimerSlot {
  uint32_t state;  // atomic_ref: kSlotFree / kSlotArmed
  uint32_t gen;    // atomic_ref: bumped when the slot is freed (stale signals)
  pid_t tid;       // the thread whose CPU time the timer measures and signals
  // perf: the counter's descriptor; -1 otherwise. atomic_ref: the guard's
  // mover (fd_guard.h) gives it a new number while armed.
  int fd;
  // atomic_ref: handlers using the slot's descriptor now; whoever closes or
  // moves it waits for 0 first (thread_timer_table.h, EnterSlot).
  uint32_t busy;
  timer_t timer;        // thread: the POSIX timer
  bool has_timer;       // thread: `timer` exists
  uint64_t cpu_at_arm;  // thread, itimer: the thread's CPU ns when armed (perf counters start at 0)
  // Threads armed by their own start hook: the CPU they ran before their
  // timer started (birth, hook), settled at exit. 0 for threads alive at start.
  uint64_t cpu_before;
  uint64_t phase;   // first expiry, CPU ns after arming, in [1, period]
  uint64_t period;  // CPU ns between later expiries; 0 = no timer of its own (itimer)
  // Timers: expiries weighed so far. period 0: the thread CPU ns up to which
  // its samples have weighed it. Written only on the slot's own thread (by
  // the handler, or by the exit hook with SIGPROF blocked), or after disarming.
  uint64_t expiries;  // atomic_ref
};

// The shortest first period a perf counter is given. Each overflow costs an
// interrupt and a signal; periods shorter than that cost (tens of us in a
// loaded VM, measured here) livelock the thread in the kernel. Phases drawn
// below it are raised to it: only threads living less than this are biased.
inline constexpr uint64_t kMinPerfPeriodNanos = 50000;

inline constexpr uint32_t kSlotFree = 0;
inline constexpr uint32_t kSlotArmed = 1;

// Expiries of a timer with `phase` and `period` once its clock has run
// `elapsed` CPU ns: the grid phase, phase + period, ...
inline uint64_t ExpiriesAt(uint64_t elapsed, uint64_t phase, uint64_t period) {
  return elapsed < phase ? 0 : (elapsed - phase) / period + 1;
}

// The calling thread's CPU time in ns, by a raw system call (clock_gettime
// may be one of the wrapped libc calls). Signal-safe.
uint64_t ThreadCpuNanosNow();
// Thread `tid`'s CPU time in ns (any thread of this process). Control path.
bool ReadThreadCpuNanos(pid_t tid, uint64_t* ns);

// posix_cpu_timer.cc: timer_create(CLOCK of slot.tid's CPU time) signalling
// slot.tid with SIGPROF, si_value.sival_ptr = `cookie`. Control path (any thread).
bool ArmCpuClockTimer(ThreadTimerSlot& slot, uint64_t cookie, std::string* error);
void DisarmCpuClockTimer(ThreadTimerSlot& slot);

// perf_event_timer.cc: a task-clock perf_event counter on slot.tid that signals
// that thread with SIGPROF (F_SETSIG) after slot.phase, then (once the
// handler calls SetPerfCounterPeriod) every slot.period. Control path.
bool ArmPerfCounter(ThreadTimerSlot& slot, std::string* error);
void DisarmPerfCounter(ThreadTimerSlot& slot);
// Signal-safe: the counter's CPU ns (0 on error), and a new sample period.
uint64_t ReadPerfCounter(int fd);
void SetPerfCounterPeriod(int fd, uint64_t period);

}  // namespace lcprof
