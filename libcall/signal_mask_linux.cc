// Interposers of every call that sets, reads or waits with a signal mask
// (Linux), over the program's view of its mask (signal_mask.h): owned
// signals (SIGPROF while profiling) are never blocked in the kernel, and
// the program reads back exactly the mask it would have without lcprof.
//  - pthread_sigmask, sigprocmask, sighold, sigrelse: the owned signals of
//    the request change the view, the rest goes to the kernel; the old mask
//    is the kernel's plus the view.
//  - sigsuspend, pselect, ppoll, epoll_pwait, epoll_pwait2: the temporary
//    mask goes to the kernel without owned signals and is the view while the
//    call waits. A wake-up that ran no program handler (lcprof's own signal)
//    waits again, for the time left, so the program sees no EINTR it would
//    not have seen.
//  - signalfd: owned signals are left out of its set (lcprof's signals
//    are not the program's to read; the program's own, sent to itself, go
//    to its handler or a sigwait, not to the descriptor).
//  - sigwait, sigwaitinfo, sigtimedwait: the thread is registered as the
//    waiter for the owned signals of the set, so a SIGPROF the program sends
//    itself reaches it; lcprof's own signals it dequeues are skipped.
// raw syscall(SYS_rt_sigprocmask, ...) cannot be seen: a thread that blocks
// SIGPROF that way is not sampled until it next calls one of these.
// Async-signal-safe throughout: these may run in signal handlers.
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <time.h>

#include <cerrno>

#include "libcall/next_symbols.h"
#include "libcall/scope.h"
#include "libcall/signal_mask.h"

#define LCPROF_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using lcprof::libcall::LibcallId;
using lcprof::libcall::OwnedSignalBits;

using MaskFn = int(int, const sigset_t*, sigset_t*);
using SuspendFn = int(const sigset_t*);
using PselectFn = int(int, fd_set*, fd_set*, fd_set*, const struct timespec*, const sigset_t*);
using PpollFn = int(struct pollfd*, nfds_t, const struct timespec*, const sigset_t*);
using EpollPwaitFn = int(int, struct epoll_event*, int, int, const sigset_t*);
using EpollPwait2Fn = int(int, struct epoll_event*, int, const struct timespec*, const sigset_t*);
using SignalfdFn = int(int, const sigset_t*, int);
using SigwaitFn = int(const sigset_t*, int*);
using SigwaitinfoFn = int(const sigset_t*, siginfo_t*);
using SigtimedwaitFn = int(const sigset_t*, siginfo_t*, const struct timespec*);

struct RealMaskCalls {
  MaskFn* pthread_sigmask;
  MaskFn* sigprocmask;
  SuspendFn* sigsuspend;
  PselectFn* pselect;
  PpollFn* ppoll;
  EpollPwaitFn* epoll_pwait;
  EpollPwait2Fn* epoll_pwait2;
  SignalfdFn* signalfd;
  SigwaitFn* sigwait;
  SigwaitinfoFn* sigwaitinfo;
  SigtimedwaitFn* sigtimedwait;
};
RealMaskCalls g_real;

template <typename Fn>
void Resolve(Fn*& slot, const char* name) {
  if (slot == nullptr) slot = reinterpret_cast<Fn*>(lcprof::libcall::ResolveNext(name));
}

// At load, not at first use: these run in signal handlers, where dlsym may not.
__attribute__((constructor(102))) void ResolveMaskCallsAtLoad() {
  Resolve(g_real.pthread_sigmask, "pthread_sigmask");
  Resolve(g_real.sigprocmask, "sigprocmask");
  Resolve(g_real.sigsuspend, "sigsuspend");
  Resolve(g_real.pselect, "pselect");
  Resolve(g_real.ppoll, "ppoll");
  Resolve(g_real.epoll_pwait, "epoll_pwait");
  Resolve(g_real.epoll_pwait2, "epoll_pwait2");
  Resolve(g_real.signalfd, "signalfd");
  Resolve(g_real.sigwait, "sigwait");
  Resolve(g_real.sigwaitinfo, "sigwaitinfo");
  Resolve(g_real.sigtimedwait, "sigtimedwait");
}

template <typename Fn>
Fn* RealOf(Fn*& slot, const char* name) {
  if (slot == nullptr) [[unlikely]]
    Resolve(slot, name);  // a wrapper before our constructor
  return slot;
}
#define LCPROF_REAL(name) RealOf(g_real.name, #name)

// glibc declares some of these pointers nonnull; a program may still pass
// null, which the kernel answers with EFAULT: so must the wrapper, not crash.
__attribute__((noinline)) bool Missing(const void* p) { return p == nullptr; }

// One mask call through `real` (pthread_sigmask or sigprocmask, each
// keeping its own way of failing: the view changes only when the call did).
int ShadowedMask(MaskFn* real, int how, const sigset_t* set, sigset_t* old) {
  if (OwnedSignalBits() == 0) return real(how, set, old);
  // Read before the call: `old` may be `set`.
  const uint64_t asked = set != nullptr ? lcprof::libcall::OwnedBitsOf(set) : 0;
  sigset_t to_kernel;
  const sigset_t* pass = set;
  if (set != nullptr && how != SIG_UNBLOCK) {
    to_kernel = *set;
    lcprof::libcall::RemoveOwnedSignals(&to_kernel);
    pass = &to_kernel;
  }
  const uint64_t view = lcprof::libcall::ProgramBlockedBits();
  const int rc = real(how, pass, old);
  if (rc != 0) return rc;  // EINVAL (how): nothing changed, nor does the view
  if (old != nullptr) lcprof::libcall::AddSignalBits(old, view);
  if (set != nullptr) {
    uint64_t next = view;
    if (how == SIG_BLOCK) next = view | asked;
    if (how == SIG_UNBLOCK) next = view & ~asked;
    if (how == SIG_SETMASK) next = asked;
    lcprof::libcall::SetProgramBlockedBits(next);
  }
  return rc;
}

// Runs a call that waits with the temporary mask `mask` (null: none):
// the kernel gets it without owned signals, the view holds them meanwhile.
// `again(rc)` says whether a failed call was woken by lcprof's signal only
// and should wait again.
template <typename Call>
int WaitWithMask(const sigset_t* mask, Call call) {
  if (Missing(mask) || OwnedSignalBits() == 0) return call(mask);
  sigset_t to_kernel = *mask;
  lcprof::libcall::RemoveOwnedSignals(&to_kernel);
  const uint64_t view = lcprof::libcall::ProgramBlockedBits();
  const uint64_t during = lcprof::libcall::OwnedBitsOf(mask);
  for (;;) {
    const uint64_t runs = lcprof::libcall::ProgramHandlerRuns();
    lcprof::libcall::SetProgramBlockedBits(during);
    const int rc = call(&to_kernel);
    const int saved = errno;
    lcprof::libcall::SetProgramBlockedBits(view);
    errno = saved;
    if (!(rc == -1 && saved == EINTR && lcprof::libcall::ProgramHandlerRuns() == runs)) return rc;
  }
}

// Monotonic deadlines, so a call that waits again waits only what is left.
struct timespec Now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts;
}
struct timespec Add(struct timespec a, const struct timespec& b) {
  a.tv_sec += b.tv_sec;
  a.tv_nsec += b.tv_nsec;
  if (a.tv_nsec >= 1000000000) {
    a.tv_nsec -= 1000000000;
    ++a.tv_sec;
  }
  return a;
}
// deadline - now, or zero when past.
struct timespec Left(const struct timespec& deadline) {
  const struct timespec now = Now();
  struct timespec left {
    deadline.tv_sec - now.tv_sec, deadline.tv_nsec - now.tv_nsec
  };
  if (left.tv_nsec < 0) {
    left.tv_nsec += 1000000000;
    --left.tv_sec;
  }
  if (left.tv_sec < 0) left = {0, 0};
  return left;
}

// The sigwait family over sigtimedwait's contract: waits for `set`,
// skipping owned signals lcprof itself sent, with the thread registered as
// the waiter for the set's owned signals.
int WaitForSignal(const sigset_t* set, siginfo_t* info, const struct timespec* timeout) {
  const uint64_t wanted =
      OwnedSignalBits() != 0 && !Missing(set) ? lcprof::libcall::OwnedBitsOf(set) : 0;
  if (wanted == 0) {
    return timeout != nullptr ? LCPROF_REAL(sigtimedwait)(set, info, timeout)
                              : LCPROF_REAL(sigwaitinfo)(set, info);
  }
  siginfo_t local;
  siginfo_t* out = info != nullptr ? info : &local;
  if (lcprof::libcall::TakeDeferredSignal(wanted, out)) return out->si_signo;
  const struct timespec deadline = timeout != nullptr ? Add(Now(), *timeout) : timespec{};
  lcprof::libcall::BeginSignalWait(wanted);
  int rc;
  for (;;) {
    const struct timespec left = timeout != nullptr ? Left(deadline) : timespec{};
    rc = timeout != nullptr ? LCPROF_REAL(sigtimedwait)(set, out, &left)
                            : LCPROF_REAL(sigwaitinfo)(set, out);
    if (rc <= 0 || !lcprof::libcall::IsOwnSignal(out)) break;
    // (lcprof's own: a sample nobody takes; wait on)
  }
  const int saved = errno;
  lcprof::libcall::EndSignalWait();
  errno = saved;
  return rc;
}

}  // namespace

LCPROF_EXPORT int pthread_sigmask(int how, const sigset_t* set, sigset_t* old) {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_pthread_sigmask);
  return ShadowedMask(LCPROF_REAL(pthread_sigmask), how, set, old);
}
LCPROF_EXPORT int lcprof_pthread_sigmask(int how, const sigset_t* set, sigset_t* old) {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_pthread_sigmask);
  return ShadowedMask(LCPROF_REAL(pthread_sigmask), how, set, old);
}

LCPROF_EXPORT int sigprocmask(int how, const sigset_t* set, sigset_t* old) {
  return ShadowedMask(LCPROF_REAL(sigprocmask), how, set, old);
}

// System V's one-signal forms; glibc's call its internal sigprocmask.
LCPROF_EXPORT int sighold(int sig) {
  sigset_t one;
  sigemptyset(&one);
  if (sigaddset(&one, sig) != 0) return -1;
  return ShadowedMask(LCPROF_REAL(sigprocmask), SIG_BLOCK, &one, nullptr);
}
LCPROF_EXPORT int sigrelse(int sig) {
  sigset_t one;
  sigemptyset(&one);
  if (sigaddset(&one, sig) != 0) return -1;
  return ShadowedMask(LCPROF_REAL(sigprocmask), SIG_UNBLOCK, &one, nullptr);
}

LCPROF_EXPORT int sigsuspend(const sigset_t* mask) {
  return WaitWithMask(mask, [](const sigset_t* m) { return LCPROF_REAL(sigsuspend)(m); });
}

LCPROF_EXPORT int pselect(int n, fd_set* r, fd_set* w, fd_set* e, const struct timespec* timeout,
                          const sigset_t* mask) {
  // select's sets are rewritten by a call that returns: a retried wait
  // starts from the program's sets again.
  fd_set r0, w0, e0;
  if (r != nullptr) r0 = *r;
  if (w != nullptr) w0 = *w;
  if (e != nullptr) e0 = *e;
  const struct timespec deadline = timeout != nullptr ? Add(Now(), *timeout) : timespec{};
  return WaitWithMask(mask, [&](const sigset_t* m) {
    if (r != nullptr) *r = r0;
    if (w != nullptr) *w = w0;
    if (e != nullptr) *e = e0;
    const struct timespec left = timeout != nullptr ? Left(deadline) : timespec{};
    return LCPROF_REAL(pselect)(n, r, w, e, timeout != nullptr ? &left : nullptr, m);
  });
}

LCPROF_EXPORT int ppoll(struct pollfd* fds, nfds_t n, const struct timespec* timeout,
                        const sigset_t* mask) {
  const struct timespec deadline = timeout != nullptr ? Add(Now(), *timeout) : timespec{};
  return WaitWithMask(mask, [&](const sigset_t* m) {
    const struct timespec left = timeout != nullptr ? Left(deadline) : timespec{};
    return LCPROF_REAL(ppoll)(fds, n, timeout != nullptr ? &left : nullptr, m);
  });
}

LCPROF_EXPORT int epoll_pwait(int epfd, struct epoll_event* events, int max, int timeout_ms,
                              const sigset_t* mask) {
  const struct timespec deadline =
      timeout_ms >= 0 ? Add(Now(), timespec{timeout_ms / 1000, (timeout_ms % 1000) * 1000000L})
                      : timespec{};
  return WaitWithMask(mask, [&](const sigset_t* m) {
    int ms = timeout_ms;
    if (timeout_ms > 0) {
      const struct timespec left = Left(deadline);
      ms = static_cast<int>(left.tv_sec * 1000 + (left.tv_nsec + 999999) / 1000000);
    }
    return LCPROF_REAL(epoll_pwait)(epfd, events, max, ms, m);
  });
}

LCPROF_EXPORT int epoll_pwait2(int epfd, struct epoll_event* events, int max,
                               const struct timespec* timeout, const sigset_t* mask) {
  const struct timespec deadline = timeout != nullptr ? Add(Now(), *timeout) : timespec{};
  return WaitWithMask(mask, [&](const sigset_t* m) {
    const struct timespec left = timeout != nullptr ? Left(deadline) : timespec{};
    return LCPROF_REAL(epoll_pwait2)(epfd, events, max, timeout != nullptr ? &left : nullptr, m);
  });
}

LCPROF_EXPORT int signalfd(int fd, const sigset_t* mask, int flags) {
  if (Missing(mask) || OwnedSignalBits() == 0) return LCPROF_REAL(signalfd)(fd, mask, flags);
  sigset_t without_owned = *mask;
  lcprof::libcall::RemoveOwnedSignals(&without_owned);
  return LCPROF_REAL(signalfd)(fd, &without_owned, flags);
}

LCPROF_EXPORT int sigwaitinfo(const sigset_t* set, siginfo_t* info) {
  return WaitForSignal(set, info, nullptr);
}

LCPROF_EXPORT int sigtimedwait(const sigset_t* set, siginfo_t* info,
                               const struct timespec* timeout) {
  if (timeout == nullptr) return WaitForSignal(set, info, nullptr);
  return WaitForSignal(set, info, timeout);
}

LCPROF_EXPORT int sigwait(const sigset_t* set, int* sig) {
  // sigwait returns an error number and never fails with EINTR.
  for (;;) {
    const int saved = errno;
    const int rc = WaitForSignal(set, nullptr, nullptr);
    if (rc > 0) {
      *sig = rc;
      errno = saved;
      return 0;
    }
    const int error = errno;
    errno = saved;
    if (error != EINTR) return error;
  }
}
