// The signal-side weights of the per-thread registry: what each SIGPROF is
// worth on the thread it interrupted; see thread_timers.h. Signal-safe only:
// atomics, initial-exec TLS, raw system calls.
//
// Weights: a timer with period P whose first expiry was drawn uniformly in
// [1, P] expires at phase, phase + P, ... of its thread's CPU time. A signal
// stands for every expiry reached by the thread's clock now and not yet
// weighed (ExpiriesAt(clock) - expiries) times P: exact when signals merge or
// arrive a tick late, and, thanks to the random phase, unbiased for a thread
// that lives less than one period. The exit hook (thread_timer_registry.cc)
// settles the expiries no signal reported.
#include <signal.h>

#include <atomic>

#include "profiler/timers/thread_timer_slot.h"
#include "profiler/timers/thread_timer_table.h"
#include "profiler/timers/thread_timers.h"

namespace lcprof {

using namespace thread_timer_table;  // NOLINT: the weights read the table

uint64_t WeighThreadTimerSignal(const siginfo_t* info) {
  const auto cookie = reinterpret_cast<uint64_t>(info->si_value.sival_ptr);
  if (!IsTimerCookie(cookie)) return 0;
  ThreadTimerSlot& s = g_slots[CookieSlot(cookie)];
  if (LoadState(s) != kSlotArmed || !CookieMatchesGen(cookie, LoadGen(s))) return 0;
  return WeighExpiries(s, SlotElapsed(s));
}

bool IsLcprofTimerSignal(const siginfo_t* info) {
  return IsTimerCookie(reinterpret_cast<uint64_t>(info->si_value.sival_ptr));
}

uint64_t WeighPerfSignal(const siginfo_t* info) {
  const int fd = info->si_fd;
  int slot = -1;
  const uint32_t epoch = g_cover_epoch.load(std::memory_order_acquire);
  if (t_tls.cover_epoch == epoch && t_tls.slot_plus1 != 0) {
    ThreadTimerSlot& s = g_slots[t_tls.slot_plus1 - 1];
    if (LoadState(s) == kSlotArmed && s.fd == fd) slot = static_cast<int>(t_tls.slot_plus1 - 1);
  }
  if (slot < 0) {
    for (int i = 0; i < kMaxTimedThreads && slot < 0; ++i) {
      if (LoadState(g_slots[i]) == kSlotArmed && g_slots[i].fd == fd) slot = i;
    }
    if (slot < 0) return 0;  // a counter already closed (stale)
    SetMyCache(slot);
  }
  ThreadTimerSlot& s = g_slots[slot];
  if (std::atomic_ref<uint64_t>(s.expiries).load(std::memory_order_relaxed) == 0) {
    SetPerfCounterPeriod(fd, s.period);  // the random first period is over
  }
  return WeighExpiries(s, SlotElapsed(s));
}

uint64_t WeighUncoveredThreadSignal() {
  const pid_t tid = Gettid();
  if (int slot = MySlot(tid); slot >= 0) {
    // Its own timer samples it. But SIGPROF is not queued: an itimer signal
    // pending when the thread's timer fires absorbs that signal, so this one
    // weighs whatever expiries of its own timer are due (usually none).
    ThreadTimerSlot& s = g_slots[slot];
    if (s.period == 0) {
      // LCPROF_TIMER=itimer: the thread's CPU time since its previous sample.
      std::atomic_ref<uint64_t> done(s.expiries);
      const uint64_t now = ThreadCpuNanosNow();
      const uint64_t before = done.load(std::memory_order_relaxed);
      if (now <= before) return 0;
      done.store(now, std::memory_order_relaxed);
      return now - before;
    }
    if (s.fd >= 0 && std::atomic_ref<uint64_t>(s.expiries).load(std::memory_order_relaxed) == 0) {
      return 0;  // a perf counter still in its first period: its own signal switches it
    }
    return WeighExpiries(s, SlotElapsed(s));
  }
  const uint32_t session = g_session.load(std::memory_order_acquire);
  if (t_tls.session != session) {
    // First sight in this session of a thread the hooks never saw: count
    // from its birth (a thread alive at start always gets a slot unless
    // arming failed; that failure was reported).
    t_tls.last_cpu = 0;
    std::atomic_signal_fence(std::memory_order_release);
    t_tls.session = session;
  }
  const uint64_t now = ThreadCpuNanosNow();
  const uint64_t weight = now > t_tls.last_cpu ? now - t_tls.last_cpu : 0;
  t_tls.last_cpu = now;
  return weight;
}

}  // namespace lcprof
