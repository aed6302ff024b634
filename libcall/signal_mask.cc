// The program's view of its mask for owned signals; see signal_mask.h.
//
// Deferred signals sent to the process (kill): one slot per signal,
// process-wide (those sent to a thread wait in its own TLS): state moves
// kEmpty -> (stash) kFilling -> kFull -> (take) kTaking -> kEmpty, each
// step a compare-and-swap, so a handler that finds a slot busy never waits
// (a second signal while one is pending is merged, as the kernel merges).
#include "libcall/signal_mask.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "libcall/signal_guard.h"

namespace lcprof::libcall {
namespace {

constexpr int kSignals = 65;
enum SlotState : int { kEmpty, kFilling, kFull, kTaking };

struct DeferredSignal {
  std::atomic<int> state{kEmpty};
  siginfo_t info;
};

std::atomic<uint64_t> g_owned{0};
DeferredSignal g_deferred[kSignals];
// Per owned signal, the thread waiting for it with the sigwait family (0: none).
std::atomic<pid_t> g_waiter[kSignals];
std::atomic<bool (*)(const siginfo_t*)> g_own_signal_test{nullptr};

struct ThreadMaskState {
  uint64_t blocked;       // owned signals the program's view blocks
  uint64_t waiting;       // owned signals this thread waits for (sigwait)
  uint64_t handler_runs;  // program handlers run on this thread
  // One deferred thread-directed signal (raise, tgkill: SI_TKILL), kept
  // apart from the process-wide slots as the kernel keeps a thread's own
  // pending signals apart from the process's. 0: none.
  int own_pending;
  siginfo_t own_pending_info;
};
__attribute__((tls_model("initial-exec"))) thread_local ThreadMaskState t_mask;

constexpr uint64_t Bit(int sig) { return uint64_t{1} << (sig - 1); }

pid_t ThisThreadId() { return static_cast<pid_t>(syscall(SYS_gettid)); }

bool Stash(int sig, const siginfo_t* info) {
  if (info->si_code == SI_TKILL) {
    if (t_mask.own_pending != 0) return false;  // merged
    memcpy(&t_mask.own_pending_info, info, sizeof *info);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t_mask.own_pending = sig;
    return true;
  }
  int empty = kEmpty;
  if (!g_deferred[sig].state.compare_exchange_strong(empty, kFilling, std::memory_order_acquire)) {
    return false;  // one is pending already: merged
  }
  memcpy(&g_deferred[sig].info, info, sizeof *info);
  g_deferred[sig].state.store(kFull, std::memory_order_release);
  return true;
}

bool Take(int sig, siginfo_t* info) {
  if (t_mask.own_pending == sig) {
    t_mask.own_pending = 0;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    memcpy(info, &t_mask.own_pending_info, sizeof *info);
    return true;
  }
  int full = kFull;
  if (!g_deferred[sig].state.compare_exchange_strong(full, kTaking, std::memory_order_acquire)) {
    return false;
  }
  memcpy(info, &g_deferred[sig].info, sizeof *info);
  g_deferred[sig].state.store(kEmpty, std::memory_order_release);
  return true;
}

// Sends `info` again to thread `tid` of this process: with its own siginfo
// where the kernel allows (only the main thread may queue si_code >= 0),
// else as a plain tgkill.
void Resend(pid_t tid, int sig, siginfo_t* info) {
  const pid_t pid = static_cast<pid_t>(syscall(SYS_getpid));
  if (syscall(SYS_rt_tgsigqueueinfo, pid, tid, sig, info) != 0) {
    syscall(SYS_tgkill, pid, tid, sig);
  }
}

}  // namespace

uint64_t OwnedSignalBits() { return g_owned.load(std::memory_order_acquire); }

void AddOwnedSignal(int sig) {
  if (sig >= 1 && sig < kSignals) g_owned.fetch_or(Bit(sig), std::memory_order_acq_rel);
}

uint64_t OwnedBitsOf(const sigset_t* set) {
  uint64_t owned = OwnedSignalBits(), bits = 0;
  for (int sig = 1; owned != 0 && sig < kSignals; ++sig) {
    if ((owned & Bit(sig)) == 0) continue;
    owned &= ~Bit(sig);
    if (sigismember(set, sig) == 1) bits |= Bit(sig);
  }
  return bits;
}

void RemoveOwnedSignals(sigset_t* set) {
  const uint64_t owned = OwnedSignalBits();
  for (int sig = 1; sig < kSignals; ++sig) {
    if ((owned & Bit(sig)) != 0) sigdelset(set, sig);
  }
}

void AddSignalBits(sigset_t* set, uint64_t bits) {
  for (int sig = 1; bits != 0 && sig < kSignals; ++sig) {
    if ((bits & Bit(sig)) != 0) sigaddset(set, sig);
  }
}

uint64_t ProgramBlockedBits() { return t_mask.blocked; }

void SetProgramBlockedBits(uint64_t bits) {
  const uint64_t unblocked = t_mask.blocked & ~bits;
  t_mask.blocked = bits;
  for (int sig = 1; unblocked != 0 && sig < kSignals; ++sig) {
    siginfo_t info;
    // The thread's own and the process's, each once.
    for (int slot = 0; slot < 2 && (unblocked & Bit(sig)) != 0 && Take(sig, &info); ++slot) {
      Resend(ThisThreadId(), sig, &info);
    }
  }
}

void AdoptThreadMask(uint64_t inherited) {
  t_mask.blocked = inherited;
  const uint64_t owned = OwnedSignalBits();
  if (owned == 0) return;
  sigset_t real, own;
  sigemptyset(&own);
  AddSignalBits(&own, owned);
  if (syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &own, &real, _NSIG / 8) == 0) {
    t_mask.blocked |= OwnedBitsOf(&real);
  }
}

void BeginSignalWait(uint64_t bits) {
  t_mask.waiting = bits;
  const pid_t self = ThisThreadId();
  for (int sig = 1; sig < kSignals; ++sig) {
    if ((bits & Bit(sig)) != 0) g_waiter[sig].store(self, std::memory_order_release);
  }
}

void EndSignalWait() {
  const pid_t self = ThisThreadId();
  for (int sig = 1; sig < kSignals; ++sig) {
    if ((t_mask.waiting & Bit(sig)) == 0) continue;
    pid_t me = self;
    g_waiter[sig].compare_exchange_strong(me, 0, std::memory_order_acq_rel);
  }
  t_mask.waiting = 0;
}

bool TakeDeferredSignal(uint64_t bits, siginfo_t* info) {
  for (int sig = 1; bits != 0 && sig < kSignals; ++sig) {
    if ((bits & Bit(sig)) != 0 && Take(sig, info)) return true;
  }
  return false;
}

void SetOwnSignalTest(bool (*test)(const siginfo_t* info)) {
  g_own_signal_test.store(test, std::memory_order_release);
}

bool IsOwnSignal(const siginfo_t* info) {
  if (auto* test = g_own_signal_test.load(std::memory_order_acquire)) return test(info);
  return info->si_code > 0;
}

bool TakeProgramSignal(int sig, siginfo_t* info, void* ucontext) {
  if (sig < 1 || sig >= kSignals) return false;
  SettleSignalDepthAt(ucontext);  // a handler left by longjmp no longer blocks it
  // A thread waiting for it with sigwait takes it, as the kernel would give
  // it to that thread while every other one blocks it.
  const bool blocked_here = (t_mask.blocked & Bit(sig)) != 0;
  const bool handled = ProgramHandlesSignal(sig);
  if (const pid_t waiter = g_waiter[sig].load(std::memory_order_acquire);
      waiter != 0 && (t_mask.waiting & Bit(sig)) == 0 && (blocked_here || !handled)) {
    Resend(waiter, sig, info);
    return true;
  }
  if (!handled) return false;
  if (blocked_here) {
    Stash(sig, info);
    return true;
  }
  ForwardToProgram(sig, info, ucontext);
  return true;
}

void NoteProgramHandlerRun() { ++t_mask.handler_runs; }
uint64_t ProgramHandlerRuns() { return t_mask.handler_runs; }

}  // namespace lcprof::libcall
