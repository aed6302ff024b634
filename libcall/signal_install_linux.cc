// The other ways to install a signal handler (Linux): sysv_signal,
// bsd_signal and sigset. glibc implements them with its internal sigaction,
// which would bypass the guard (signal_guard.h): the kernel would get the
// program's handler straight, for SIGPROF replacing lcprof's, and the old
// disposition they return would be lcprof's trampoline, which a program
// that later reinstalls it would put into the shadow table. So each is
// built here on the guarded sigaction, with glibc's semantics.
// (signal itself is in wrappers_linux.cc.)
#include <signal.h>

#include <cerrno>

#include "libcall/signal_guard.h"

#define LCPROF_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

sighandler_t Install(int sig, sighandler_t handler, int flags, bool block_self) {
  struct sigaction act {
  }, old{};
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  if (block_self && sig > 0 && sig < NSIG) sigaddset(&act.sa_mask, sig);
  act.sa_flags = flags;
  if (lcprof::libcall::GuardedSigaction(sig, &act, &old) != 0) return SIG_ERR;
  return old.sa_handler;
}

}  // namespace

// System V semantics: the handler runs once, with the signal not blocked.
LCPROF_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler) {
  return Install(sig, handler, SA_RESETHAND | SA_NODEFER, false);
}

// BSD semantics, the same as glibc's signal().
LCPROF_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler) {
  return Install(sig, handler, SA_RESTART, true);
}

// System V release 3: SIG_HOLD blocks the signal and leaves its handler;
// anything else installs it and unblocks the signal. Returns SIG_HOLD when
// the signal was blocked before, else the previous disposition. The masks go
// through the mask interposer (signal_mask_linux.cc).
LCPROF_EXPORT sighandler_t sigset(int sig, sighandler_t disp) {
  sigset_t one, old_mask;
  sigemptyset(&one);
  if (sigaddset(&one, sig) != 0) return SIG_ERR;
  if (disp == SIG_HOLD) {
    struct sigaction old {};
    if (lcprof::libcall::GuardedSigaction(sig, nullptr, &old) != 0) return SIG_ERR;
    if (sigprocmask(SIG_BLOCK, &one, &old_mask) != 0) return SIG_ERR;
    return sigismember(&old_mask, sig) == 1 ? SIG_HOLD : old.sa_handler;
  }
  const sighandler_t previous = Install(sig, disp, 0, false);
  if (previous == SIG_ERR) return SIG_ERR;
  if (sigprocmask(SIG_UNBLOCK, &one, &old_mask) != 0) return SIG_ERR;
  return sigismember(&old_mask, sig) == 1 ? SIG_HOLD : previous;
}
