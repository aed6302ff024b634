// The ITIMER_PROF ownership guard; see prof_itimer.h.
//
// State: two flags, read by the handler (ProgramOwnsProfItimer) and written
// by the guard and the engines. A program setitimer that arms the timer sets
// "program armed" BEFORE the kernel call, so from the first program tick on
// every SI_KERNEL signal is forwarded to the program; a tick of lcprof's
// still pending at that moment may reach the program once (the kernel could
// deliver such a late tick to the program itself after any re-arm, too).
#include "profiler/timers/prof_itimer.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "libcall/next_symbols.h"
#include "libcall/signal_guard.h"

namespace lcprof {
namespace {

using SetitimerFn = int (*)(int, const struct itimerval*, struct itimerval*);

std::atomic<bool> g_program_armed{false};  // the program's last value was non-zero
std::atomic<bool> g_lcprof_armed{false};   // lcprof's engine armed it and still runs
std::atomic<void (*)()> g_taken{nullptr};
std::atomic<bool> g_suspended{false};  // SuspendLcprofProfItimer kept g_suspended_value
itimerval g_suspended_value;
SetitimerFn g_real_setitimer = nullptr;  // libc's, saved when the guard is put in front

bool IsZero(const itimerval* v) {
  return v == nullptr || (v->it_value.tv_sec == 0 && v->it_value.tv_usec == 0);
}

bool ValidTimeval(const timeval& t) {
  return t.tv_sec >= 0 && t.tv_usec >= 0 && t.tv_usec < 1000000;
}

// The kernel's ITIMER_PROF, bypassing every wrapper.
int RealSetitimer(const itimerval* value, itimerval* old) {
  return static_cast<int>(syscall(SYS_setitimer, ITIMER_PROF, value, old));
}
int RealGetitimer(itimerval* value) {
  return static_cast<int>(syscall(SYS_getitimer, ITIMER_PROF, value));
}

// lcprof holds the kernel timer and the program believes it disarmed.
bool LcprofHolds() {
  return g_lcprof_armed.load(std::memory_order_acquire) &&
         !g_program_armed.load(std::memory_order_acquire);
}

// What the program's setitimer reaches (through the libcall forwarder, which
// has already published its record).
int GuardedSetitimer(int which, const struct itimerval* value, struct itimerval* old) {
  if (which != ITIMER_PROF) return g_real_setitimer(which, value, old);
  if (IsZero(value)) {
    if (LcprofHolds()) {
      // Disarming a timer the program does not have: nothing to do in the
      // kernel (lcprof's own keeps running), and the old value it had is zero.
      if (value != nullptr &&
          (!ValidTimeval(value->it_value) || !ValidTimeval(value->it_interval))) {
        errno = EINVAL;  // what the kernel answers
        return -1;
      }
      if (old != nullptr) memset(old, 0, sizeof *old);
      return 0;
    }
    const int rc = g_real_setitimer(which, value, old);
    if (rc == 0) g_program_armed.store(false, std::memory_order_release);
    return rc;
  }
  const bool took_from_lcprof = LcprofHolds();
  const bool was_armed = g_program_armed.exchange(true, std::memory_order_acq_rel);
  const int rc = g_real_setitimer(which, value, old);
  if (rc != 0) {
    g_program_armed.store(was_armed, std::memory_order_release);
    return rc;
  }
  if (took_from_lcprof) {
    if (old != nullptr) memset(old, 0, sizeof *old);
    g_lcprof_armed.store(false, std::memory_order_release);
    // From a handler no lock may be taken: the switch is left undone.
    if (void (*taken)() = g_taken.load(std::memory_order_acquire);
        taken != nullptr && libcall::SignalDepth() == 0) {
      taken();
    }
  }
  return rc;
}

// Puts the guard in front of libc's setitimer in the forwarder's table, at
// load: before any LCPROF_LIBCALLS selection copies the table's pointer
// (the selection's bypass jumps to whatever the table holds).
__attribute__((constructor(102))) void InstallSetitimerGuard() {
  libcall::ResolveNextSymbols();
  auto& slot = libcall::g_next_symbols.setitimer;
  if (slot == nullptr || slot == GuardedSetitimer) return;
  g_real_setitimer = slot;
  std::atomic_ref<SetitimerFn>(slot).store(GuardedSetitimer, std::memory_order_release);
}

}  // namespace

bool ProgramOwnsProfItimer() { return g_program_armed.load(std::memory_order_acquire); }

bool ProgramUsesProfItimer() {
  if (g_lcprof_armed.load(std::memory_order_acquire)) return !LcprofHolds();
  // lcprof's timer is off, so the kernel's is the program's: armed by it
  // through the guard, behind the guard's back (a raw system call), or
  // armed once and since expired (a one-shot).
  itimerval now{};
  const bool armed = RealGetitimer(&now) == 0 && !IsZero(&now);
  g_program_armed.store(armed, std::memory_order_release);
  return armed;
}

bool ArmLcprofProfItimer(const itimerval& value, std::string* error) {
  if (ProgramUsesProfItimer()) {
    *error = "the program uses ITIMER_PROF";
    return false;
  }
  if (RealSetitimer(&value, nullptr) != 0) {
    *error = std::string("setitimer(ITIMER_PROF) failed: ") + strerror(errno);
    return false;
  }
  g_lcprof_armed.store(true, std::memory_order_release);
  return true;
}

void DisarmLcprofProfItimer() {
  if (!LcprofHolds()) {
    g_lcprof_armed.store(false, std::memory_order_release);
    return;
  }
  g_lcprof_armed.store(false, std::memory_order_release);
  const itimerval off{};
  RealSetitimer(&off, nullptr);
}

void SetProfItimerTakenHandler(void (*taken)()) { g_taken.store(taken, std::memory_order_release); }

int ProgramGetitimer(int which, struct itimerval* value) {
  if (which == ITIMER_PROF && LcprofHolds()) {
    if (value == nullptr) {
      errno = EFAULT;
      return -1;
    }
    memset(value, 0, sizeof *value);
    return 0;
  }
  return static_cast<int>(syscall(SYS_getitimer, which, value));
}

void SuspendLcprofProfItimer() {
  if (!LcprofHolds() || g_suspended.load(std::memory_order_acquire)) return;
  const itimerval off{};
  if (RealSetitimer(&off, &g_suspended_value) == 0) {
    g_suspended.store(true, std::memory_order_release);
  }
}

void ResumeLcprofProfItimer() {
  if (!g_suspended.exchange(false, std::memory_order_acq_rel)) return;
  if (LcprofHolds()) RealSetitimer(&g_suspended_value, nullptr);
}

void ResetProfItimerAfterFork() {
  g_suspended.store(false, std::memory_order_relaxed);
  g_program_armed.store(false, std::memory_order_relaxed);
  g_lcprof_armed.store(false, std::memory_order_relaxed);
}

}  // namespace lcprof
