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
  if (!CookieMatchesGen(cookie, LoadGen(s)) || !EnterSlot(s)) return 0;
  const uint64_t weight = WeighExpiries(s, SlotElapsed(s));
  LeaveSlot(s);
  return weight;
}

bool IsLcprofTimerSignal(const siginfo_t* info) {
  return IsTimerCookie(reinterpret_cast<uint64_t>(info->si_value.sival_ptr));
}

uint64_t WeighPerfSignal(const siginfo_t* info) {
  // A counter signals its own thread (F_OWNER_TID): the calling thread's
  // slot is the only one the signal can be about. (Matching slots by si_fd
  // alone took another thread's slot once a number was reused, and read its
  // counter from this thread.)
  const int slot = MySlot(Gettid());
  if (slot < 0) return 0;
  ThreadTimerSlot& s = g_slots[slot];
  if (!EnterSlot(s)) return 0;
  uint64_t weight = 0;
  if (const int fd = SlotFd(s); fd >= 0) {
    if (std::atomic_ref<uint64_t>(s.expiries).load(std::memory_order_relaxed) == 0 &&
        info->si_fd == fd) {
      SetPerfCounterPeriod(fd, s.period);  // the random first period is over
    }
    weight = WeighExpiries(s, SlotElapsed(s));
  }
  LeaveSlot(s);
  return weight;
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
    if (SlotFd(s) >= 0 &&
        std::atomic_ref<uint64_t>(s.expiries).load(std::memory_order_relaxed) == 0) {
      return 0;  // a perf counter still in its first period: its own signal switches it
    }
    if (!EnterSlot(s)) return 0;
    const uint64_t weight = WeighExpiries(s, SlotElapsed(s));
    LeaveSlot(s);
    return weight;
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
