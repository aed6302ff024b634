// The perf_event engine (LCPROF_TIMER=perf): one task-clock software counter
// per thread, with a sample period in CPU ns, that signals its own thread
// (F_SETOWN_EX F_OWNER_TID, O_ASYNC, F_SETSIG SIGPROF; si_code POLL_IN and
// si_fd = the counter). The counter runs on a high-resolution timer, so rates
// above the kernel tick are exact. Armed and kept by thread_timer_registry.cc.
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "profiler/timers/fd_guard.h"
#include "profiler/timers/thread_timer_slot.h"

namespace lcprof {
namespace {

// fcntl and ioctl through raw system calls: fcntl is one of the wrapped libc
// calls, and the handler's ioctl must not depend on libc at all.
long Fcntl(int fd, int cmd, long arg) { return syscall(SYS_fcntl, fd, cmd, arg); }

bool Fail(std::string* error, const char* what, int fd) {
  *error = std::string(what) + ": " + strerror(errno);
  if (fd >= 0) syscall(SYS_close, fd);
  return false;
}

}  // namespace

bool ArmPerfCounter(ThreadTimerSlot& slot, std::string* error) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_TASK_CLOCK;
  // The counter's first period is the random phase; the handler switches it
  // to the real period at the first signal. The registry keeps the phase at
  // kMinPerfPeriodNanos or more (see thread_timer_slot.h).
  attr.sample_period = slot.phase;
  attr.disabled = 1;
  attr.wakeup_events = 1;
  // Kernel time included first: with exclude_kernel the kernel (6.x) drops
  // every overflow that lands in a system call, about 60% of them for a loop
  // that reads its CPU clock. perf_event_paranoid >= 2 refuses that to
  // unprivileged users; then exclude it (the counter still counts kernel
  // time, so the weights stay exact; only the rate suffers).
  int fd =
      static_cast<int>(syscall(SYS_perf_event_open, &attr, slot.tid, -1, -1, PERF_FLAG_FD_CLOEXEC));
  if (fd < 0 && (errno == EACCES || errno == EPERM)) {
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    fd = static_cast<int>(
        syscall(SYS_perf_event_open, &attr, slot.tid, -1, -1, PERF_FLAG_FD_CLOEXEC));
  }
  if (fd < 0) return Fail(error, "perf_event_open(task-clock) failed", -1);
  f_owner_ex owner{F_OWNER_TID, slot.tid};
  if (Fcntl(fd, F_SETOWN_EX, reinterpret_cast<long>(&owner)) != 0) {
    return Fail(error, "fcntl(F_SETOWN_EX) on the perf counter failed", fd);
  }
  if (Fcntl(fd, F_SETSIG, SIGPROF) != 0) return Fail(error, "fcntl(F_SETSIG) failed", fd);
  const long flags = Fcntl(fd, F_GETFL, 0);
  if (flags < 0 || Fcntl(fd, F_SETFL, flags | O_ASYNC | O_NONBLOCK) != 0) {
    return Fail(error, "fcntl(F_SETFL O_ASYNC) failed", fd);
  }
  GuardFd(fd);  // out of the program's close and dup2 from here (fd_guard.h)
  slot.fd = fd;
  slot.cpu_at_arm = 0;  // the counter itself starts at 0 when enabled
  slot.has_timer = false;
  if (syscall(SYS_ioctl, fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
    slot.fd = -1;
    UnguardFd(fd);
    return Fail(error, "PERF_EVENT_IOC_ENABLE failed", fd);
  }
  return true;
}

void DisarmPerfCounter(ThreadTimerSlot& slot) {
  if (slot.fd < 0) return;
  // Only once no handler reads it (FreeSlotLocked waits): a signal still
  // pending finds the slot free and is dropped.
  syscall(SYS_ioctl, slot.fd, PERF_EVENT_IOC_DISABLE, 0);
  UnguardFd(slot.fd);  // before the number can be the program's again
  syscall(SYS_close, slot.fd);
  std::atomic_ref<int>(slot.fd).store(-1, std::memory_order_seq_cst);
}

uint64_t ReadPerfCounter(int fd) {
  uint64_t value = 0;
  if (syscall(SYS_read, fd, &value, sizeof value) != static_cast<long>(sizeof value)) return 0;
  return value;
}

void SetPerfCounterPeriod(int fd, uint64_t period) {
  syscall(SYS_ioctl, fd, PERF_EVENT_IOC_PERIOD, &period);
}

}  // namespace lcprof
