// The per-thread timer registry: when timers are armed and deleted, on the
// control path (start, stop, the thread hooks, fork); see thread_timers.h.
// The engines themselves are posix_cpu_timer.cc (timer_create) and
// perf_event_timer.cc (perf_event); the slots they fill are in
// thread_timer_table.h; what each signal is worth is thread_timer_weights.cc.
//
// LCPROF_TIMER=itimer keeps a slot per thread too, without a timer: the
// process itimer's signal weighs the interrupted thread's CPU time since its
// previous sample (from the slot's start for threads alive at start), and
// the exit hook settles what the thread ran after its last sample.
#include <dirent.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "libcall/signal_guard.h"
#include "profiler/base/log.h"
#include "profiler/timers/fd_guard.h"
#include "profiler/timers/thread_timer_slot.h"
#include "profiler/timers/thread_timer_table.h"
#include "profiler/timers/thread_timers.h"

namespace lcprof {

using namespace thread_timer_table;  // NOLINT: the registry owns the table

namespace {

// ---- control path, guarded by g_mutex --------------------------------------
std::mutex g_mutex;
bool g_active = false;
TimerKind g_kind = TimerKind::kThread;
uint64_t g_period = 0;
uint64_t g_rng = 0;
int g_hint = 0;  // where the next free-slot search starts
bool g_reported_arm_failure = false;

// SIGPROF blocked on the calling thread for a scope (raw system call: the
// libc call may be wrapped).
class BlockProf {
 public:
  BlockProf() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPROF);
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old_, _NSIG / 8);
  }
  ~BlockProf() { syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old_, nullptr, _NSIG / 8); }
  BlockProf(const BlockProf&) = delete;
  BlockProf& operator=(const BlockProf&) = delete;

 private:
  sigset_t old_;
};

uint64_t NextRandom() {
  // splitmix64; seeded at start. Guarded by g_mutex.
  uint64_t z = (g_rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void ReportArmFailureLocked(pid_t tid, const std::string& why) {
  if (g_reported_arm_failure) return;
  g_reported_arm_failure = true;
  LogNotice("thread %d has no timer of its own (%s); the process timer covers it", tid,
            why.c_str());
}

// Marked free first, then, once no handler uses it (EnterSlot), its timer
// deleted and its descriptor closed: a handler never reads a closed number
// that the program may already have reopened. A signal still queued for
// it is stale (state, gen) and dropped.
void FreeSlotLocked(ThreadTimerSlot& s) {
  std::atomic_ref<uint32_t>(s.gen).fetch_add(1, std::memory_order_release);
  std::atomic_ref<uint32_t>(s.state).store(kSlotFree, std::memory_order_seq_cst);
  WaitSlotUnused(s);
  if (SlotFd(s) >= 0) DisarmPerfCounter(s);
  DisarmCpuClockTimer(s);
}

// The descriptor guard's mover (fd_guard.h): the program is about to dup2
// onto `fd`, a counter of lcprof's. The counter gets a new number, its
// O_ASYNC registration too (the kernel's signal carries the number it was
// registered with), and once no handler reads the old number, that is left
// to the program. From a program signal handler the registry's lock may be
// held by the interrupted code: then the move is refused (-1).
int MoveGuardedFd(int fd) {
  std::unique_lock<std::mutex> lock(g_mutex, std::defer_lock);
  if (libcall::SignalDepth() > 0) {
    if (!lock.try_lock()) return -1;
  } else {
    lock.lock();
  }
  for (ThreadTimerSlot& s : UsedSlots()) {
    if (LoadState(s) != kSlotArmed || SlotFd(s) != fd) continue;
    const long moved = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0);
    if (moved < 0) return -1;
    const long flags = syscall(SYS_fcntl, moved, F_GETFL);
    syscall(SYS_fcntl, moved, F_SETFL, flags & ~O_ASYNC);
    syscall(SYS_fcntl, moved, F_SETFL, flags | O_ASYNC);
    GuardFd(static_cast<int>(moved));
    std::atomic_ref<int>(s.fd).store(static_cast<int>(moved), std::memory_order_seq_cst);
    WaitSlotUnused(s);
    break;
  }
  UnguardFd(fd);
  return 0;
}

// Arms a timer for `tid` in a free slot; its index, or -1 with *error.
int ArmLocked(pid_t tid, std::string* error) {
  int index = -1;
  for (int n = 0; n < kMaxTimedThreads; ++n) {
    const int i = (g_hint + n) % kMaxTimedThreads;
    if (LoadState(g_slots[i]) == kSlotFree) {
      index = i;
      break;
    }
  }
  if (index < 0) {
    *error = "more than " + std::to_string(kMaxTimedThreads) + " threads have timers";
    return -1;
  }
  g_hint = (index + 1) % kMaxTimedThreads;
  if (index >= g_slot_bound.load(std::memory_order_relaxed)) {
    g_slot_bound.store(index + 1, std::memory_order_release);
  }
  ThreadTimerSlot& s = g_slots[index];
  s.tid = tid;
  s.cpu_before = 0;
  s.fd = -1;
  s.has_timer = false;
  if (g_kind == TimerKind::kItimer) {
    // No timer of its own: the process itimer samples it; the slot keeps
    // where its CPU accounting starts.
    s.period = 0;
    s.phase = 0;
    if (!ReadThreadCpuNanos(tid, &s.cpu_at_arm)) {
      *error = "cannot read the thread's CPU clock";
      return -1;
    }
    std::atomic_ref<uint64_t>(s.expiries).store(s.cpu_at_arm, std::memory_order_relaxed);
    std::atomic_ref<uint32_t>(s.state).store(kSlotArmed, std::memory_order_release);
    return index;
  }
  s.period = g_period;
  s.phase = 1 + NextRandom() % g_period;
  if (g_kind == TimerKind::kPerf && s.phase < kMinPerfPeriodNanos) {
    s.phase = g_period < kMinPerfPeriodNanos ? g_period : kMinPerfPeriodNanos;
  }
  std::atomic_ref<uint64_t>(s.expiries).store(0, std::memory_order_relaxed);
  const bool ok = g_kind == TimerKind::kPerf
                      ? ArmPerfCounter(s, error)
                      : ArmCpuClockTimer(s, Cookie(index, LoadGen(s)), error);
  if (!ok) return -1;
  // Publishes every field above to the handler. A signal that beats this
  // store is dropped; the next one weighs its expiry too.
  std::atomic_ref<uint32_t>(s.state).store(kSlotArmed, std::memory_order_release);
  return index;
}

// The thread ids in /proc/self/task.
std::vector<pid_t> ListThreads() {
  std::vector<pid_t> tids;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* e = readdir(dir)) {
      const long tid = std::strtol(e->d_name, nullptr, 10);
      if (tid > 0) tids.push_back(static_cast<pid_t>(tid));
    }
    closedir(dir);
  }
  return tids;
}

}  // namespace

bool StartThreadTimers(TimerKind* kind, uint64_t period_nanos, std::string* error) {
  SetGuardedFdMover(MoveGuardedFd);
  std::lock_guard<std::mutex> lock(g_mutex);
  g_session.fetch_add(1, std::memory_order_acq_rel);
  g_cover_epoch.fetch_add(1, std::memory_order_acq_rel);
  g_kind = *kind;
  g_period = period_nanos < 1 ? 1 : period_nanos;
  g_reported_arm_failure = false;
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  g_rng = static_cast<uint64_t>(ts.tv_nsec) ^ (static_cast<uint64_t>(getpid()) << 32);

  // The calling thread first: it tells whether the kernel allows the engine.
  const pid_t self = Gettid();
  std::string why;
  int mine = ArmLocked(self, &why);
  if (mine < 0 && g_kind == TimerKind::kPerf) {  // refused: fall back
    LogNotice("LCPROF_TIMER=perf: %s; using LCPROF_TIMER=thread instead", why.c_str());
    g_kind = TimerKind::kThread;
    mine = ArmLocked(self, &why);
  }
  if (mine < 0) {
    *error = why;
    return false;
  }
  *kind = g_kind;
  g_active = true;  // from here the start hook arms new threads itself
  {
    BlockProf block;
    SetMyCache(mine);
  }
  for (pid_t tid : ListThreads()) {
    if (FindArmedSlot(tid) >= 0) continue;  // this thread, or one that armed itself
    if (ArmLocked(tid, &why) < 0 && why.find("No such process") == std::string::npos) {
      ReportArmFailureLocked(tid, why);
    }
  }
  g_cover_epoch.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

bool StartThreadTimersInForkChild(TimerKind kind, uint64_t period_nanos) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_session.fetch_add(1, std::memory_order_acq_rel);
  g_cover_epoch.fetch_add(1, std::memory_order_acq_rel);
  g_kind = kind;
  g_period = period_nanos < 1 ? 1 : period_nanos;
  g_reported_arm_failure = false;
  g_rng ^= static_cast<uint64_t>(getpid()) << 17;  // not the parent's sequence
  std::string why;                                 // written only on failure
  const int mine = ArmLocked(Gettid(), &why);
  if (mine < 0) return false;
  g_active = true;
  {
    BlockProf block;
    SetMyCache(mine);
  }
  g_cover_epoch.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

void StopThreadTimers() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_active) return;
  g_active = false;
  for (ThreadTimerSlot& s : UsedSlots()) {
    if (LoadState(s) == kSlotArmed) FreeSlotLocked(s);
  }
  g_cover_epoch.fetch_add(1, std::memory_order_acq_rel);
}

void ThreadTimersOnThreadStart() {
  BlockProf block;
  std::lock_guard<std::mutex> lock(g_mutex);
  t_tls.session = g_session.load(std::memory_order_acquire);
  t_tls.last_cpu = 0;  // a new thread: all its CPU time lies in this session
  if (!g_active) return;
  const pid_t tid = Gettid();
  // A slot under this id belongs to an earlier thread that ended without the
  // exit hook (the kernel reused its id): its timer measures a dead thread.
  if (int stale = FindArmedSlot(tid); stale >= 0) FreeSlotLocked(g_slots[stale]);
  std::string why;
  const int slot = ArmLocked(tid, &why);
  if (slot < 0) {
    ReportArmFailureLocked(tid, why);
  } else {
    // Everything this thread ran so far (clone's return, libc's set-up, this
    // hook) happened before its clock started: settled at exit.
    ThreadTimerSlot& s = g_slots[slot];
    if (s.period == 0) {
      std::atomic_ref<uint64_t>(s.expiries).store(0, std::memory_order_relaxed);  // from birth
    } else {
      s.cpu_before = s.fd >= 0 ? ThreadCpuNanosNow() : s.cpu_at_arm;
    }
  }
  SetMyCache(slot);
}

uint64_t ThreadTimersOnThreadExit() {
  BlockProf block;  // no signal of this thread's timer runs from here on
  std::lock_guard<std::mutex> lock(g_mutex);
  const pid_t tid = Gettid();
  uint64_t unreported = 0;
  if (int slot = MySlot(tid); slot >= 0) {
    ThreadTimerSlot& s = g_slots[slot];
    const uint64_t done = std::atomic_ref<uint64_t>(s.expiries).load(std::memory_order_relaxed);
    if (s.period == 0) {
      const uint64_t now = ThreadCpuNanosNow();
      if (now > done) unreported = now - done;
    } else {
      const uint64_t reached = ExpiriesAt(SlotElapsed(s), s.phase, s.period);
      if (reached > done) unreported = (reached - done) * s.period;
    }
    unreported += s.cpu_before;
    const uint64_t read_at = ThreadCpuNanosNow();
    FreeSlotLocked(s);  // a signal still queued for it is stale (gen, fd) and dropped
    unreported += ThreadCpuNanosNow() - read_at;  // deleting the timer, after its clock was read
  }
  // What the thread runs after this (TLS destructors, libc teardown) is the
  // process timer's to sample, from here.
  t_tls.last_cpu = ThreadCpuNanosNow();
  t_tls.session = g_session.load(std::memory_order_acquire);
  SetMyCache(-1);
  return g_active ? unreported : 0;
}

void SuspendThisThreadTimer() {
  const int slot = MySlot(Gettid());
  if (slot < 0 || !EnterSlot(g_slots[slot])) return;
  ThreadTimerSlot& s = g_slots[slot];
  if (const int fd = SlotFd(s); fd >= 0) {
    syscall(SYS_ioctl, fd, PERF_EVENT_IOC_DISABLE, 0);
  } else if (s.has_timer) {
    const itimerspec off{};
    timer_settime(s.timer, 0, &off, nullptr);
  }
  LeaveSlot(s);
}

void ResumeThisThreadTimer() {
  const int slot = MySlot(Gettid());
  if (slot < 0 || !EnterSlot(g_slots[slot])) return;
  ThreadTimerSlot& s = g_slots[slot];
  if (const int fd = SlotFd(s); fd >= 0) {
    syscall(SYS_ioctl, fd, PERF_EVENT_IOC_ENABLE, 0);
  } else if (s.has_timer) {
    // The grid's phase is lost; the weights count expiries of the clock, so
    // the next signal still weighs what ran in between.
    itimerspec on{};
    on.it_value.tv_sec = static_cast<time_t>(s.period / 1000000000u);
    on.it_value.tv_nsec = static_cast<long>(s.period % 1000000000u);
    on.it_interval = on.it_value;
    timer_settime(s.timer, 0, &on, nullptr);
  }
  LeaveSlot(s);
}

void ResetThreadTimersAfterFork() {
  new (&g_mutex) std::mutex();  // its holder, if any, is not in this process
  for (ThreadTimerSlot& s : UsedSlots()) {
    if (LoadState(s) != kSlotArmed) continue;
    if (s.fd >= 0) {  // the child's copy of the parent's counter
      UnguardFd(s.fd);
      syscall(SYS_close, s.fd);
    }
    s.fd = -1;
    s.has_timer = false;  // POSIX timers are not inherited
    std::atomic_ref<uint32_t>(s.gen).fetch_add(1, std::memory_order_relaxed);
    std::atomic_ref<uint32_t>(s.state).store(kSlotFree, std::memory_order_relaxed);
  }
  g_active = false;
  g_cover_epoch.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace lcprof
