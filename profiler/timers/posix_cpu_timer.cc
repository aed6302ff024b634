// The timer_create engine (LCPROF_TIMER=thread): one POSIX timer per thread on
// that thread's CPU clock, delivering SIGPROF (si_code SI_TIMER) to that very
// thread. Armed and kept by thread_timer_registry.cc. Like every CPU-clock timer it
// is checked at the kernel tick, so it fires at most once a tick; the
// weights (ExpiriesAt) count the expiries a late signal stands for.
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "profiler/timers/thread_timer_slot.h"

namespace lcprof {
namespace {

// The CPU-time clock of thread `tid` of this process (the kernel's encoding,
// as pthread_getcpuclockid builds it for a pthread_t).
clockid_t ThreadCpuClock(pid_t tid) {
  constexpr clockid_t kPerThreadSched = 6;  // CPUCLOCK_PERTHREAD_MASK | CPUCLOCK_SCHED
  return static_cast<clockid_t>((~static_cast<unsigned>(tid)) << 3) | kPerThreadSched;
}

bool ClockNanos(clockid_t clock, uint64_t* out) {
  timespec ts{};
  if (syscall(SYS_clock_gettime, clock, &ts) != 0) return false;
  *out = static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
  return true;
}

timespec ToTimespec(uint64_t ns) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1000000000u);
  ts.tv_nsec = static_cast<long>(ns % 1000000000u);
  return ts;
}

}  // namespace

uint64_t ThreadCpuNanosNow() {
  uint64_t ns = 0;
  ClockNanos(CLOCK_THREAD_CPUTIME_ID, &ns);
  return ns;
}

bool ReadThreadCpuNanos(pid_t tid, uint64_t* ns) { return ClockNanos(ThreadCpuClock(tid), ns); }

bool ArmCpuClockTimer(ThreadTimerSlot& slot, uint64_t cookie, std::string* error) {
  const clockid_t clock = ThreadCpuClock(slot.tid);
  sigevent sev{};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = SIGPROF;
  sev.sigev_value.sival_ptr = reinterpret_cast<void*>(cookie);
  sev._sigev_un._tid = slot.tid;
  timer_t timer{};
  if (timer_create(clock, &sev, &timer) != 0) {
    *error = std::string("timer_create(thread CPU clock) failed: ") + strerror(errno);
    return false;
  }
  // The arm point is read before the timer starts, so the first expiry lies
  // at most a few instructions of CPU after cpu_at_arm + phase (no bias).
  if (!ClockNanos(clock, &slot.cpu_at_arm)) {
    *error = std::string("cannot read the thread's CPU clock: ") + strerror(errno);
    timer_delete(timer);
    return false;
  }
  itimerspec spec{};
  spec.it_value = ToTimespec(slot.phase);
  spec.it_interval = ToTimespec(slot.period);
  if (timer_settime(timer, 0, &spec, nullptr) != 0) {
    *error = std::string("timer_settime failed: ") + strerror(errno);
    timer_delete(timer);
    return false;
  }
  slot.timer = timer;
  slot.has_timer = true;
  slot.fd = -1;
  return true;
}

void DisarmCpuClockTimer(ThreadTimerSlot& slot) {
  if (!slot.has_timer) return;
  timer_delete(slot.timer);  // disarms it; a signal it had queued is dropped or stale
  slot.has_timer = false;
}

}  // namespace lcprof
