// The registry's shared state and its signal-safe lookups; see
// thread_timer_table.h.
#include "profiler/timers/thread_timer_table.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace lcprof::thread_timer_table {

ThreadTimerSlot g_slots[kMaxTimedThreads];
std::atomic<int> g_slot_bound{0};
std::atomic<uint32_t> g_cover_epoch{1};
std::atomic<uint32_t> g_session{1};
constinit __attribute__((tls_model("initial-exec"))) thread_local ThreadTimerTls t_tls;

pid_t Gettid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

int FindArmedSlot(pid_t tid) {
  const int bound = g_slot_bound.load(std::memory_order_acquire);
  for (int i = 0; i < bound; ++i) {
    if (LoadState(g_slots[i]) == kSlotArmed && g_slots[i].tid == tid) return i;
  }
  return -1;
}

int MySlot(pid_t tid) {
  const uint32_t epoch = g_cover_epoch.load(std::memory_order_acquire);
  if (t_tls.cover_epoch == epoch) {
    if (t_tls.slot_plus1 == 0) return -1;
    ThreadTimerSlot& s = g_slots[t_tls.slot_plus1 - 1];
    if (LoadState(s) == kSlotArmed && s.tid == tid) return static_cast<int>(t_tls.slot_plus1 - 1);
  }
  const int found = FindArmedSlot(tid);
  t_tls.slot_plus1 = static_cast<uint32_t>(found + 1);
  std::atomic_signal_fence(std::memory_order_release);
  t_tls.cover_epoch = epoch;
  return found;
}

void SetMyCache(int slot) {
  t_tls.slot_plus1 = static_cast<uint32_t>(slot + 1);
  std::atomic_signal_fence(std::memory_order_release);
  t_tls.cover_epoch = g_cover_epoch.load(std::memory_order_acquire);
}

void WaitSlotUnused(ThreadTimerSlot& s) {
  while (std::atomic_ref<uint32_t>(s.busy).load(std::memory_order_seq_cst) != 0) sched_yield();
}

uint64_t SlotElapsed(const ThreadTimerSlot& s) {
  if (const int fd = SlotFd(s); fd >= 0) return ReadPerfCounter(fd);
  const uint64_t now = ThreadCpuNanosNow();
  return now > s.cpu_at_arm ? now - s.cpu_at_arm : 0;
}

uint64_t WeighExpiries(ThreadTimerSlot& s, uint64_t elapsed) {
  std::atomic_ref<uint64_t> expiries(s.expiries);
  const uint64_t reached = ExpiriesAt(elapsed, s.phase, s.period);
  const uint64_t done = expiries.load(std::memory_order_relaxed);
  if (reached <= done) return 0;
  expiries.store(reached, std::memory_order_relaxed);
  return (reached - done) * s.period;
}

}  // namespace lcprof::thread_timer_table
