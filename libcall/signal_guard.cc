// Program signal handlers behind lcprof's trampoline, and signals lcprof owns.
// See signal_guard.h. Everything reachable from a signal handler here is
// async-signal-safe: atomics, TLS and raw sigaction/sigaltstack/tgkill.
#include "libcall/signal_guard.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "libcall/next_symbols.h"
#include "libcall/record.h"

namespace lcprof::libcall {
namespace {

constexpr int kSignals = 65;  // 1..64 on Linux

// What the program asked for, per signal, for each signal lcprof stands in
// for (owned, or with a handler behind the trampoline). The handler and flags
// are separate atomics so the trampoline reads a handler the program really
// installed, never a torn one; the mask is what the kernel holds for
// trampolined signals, and what ForwardToProgram sets for owned ones.
struct ProgramAction {
  std::atomic<bool> active{false};  // lcprof stands in for this signal
  std::atomic<uintptr_t> handler{0};
  std::atomic<int> flags{0};
  sigset_t mask;
};

ProgramAction g_program[kSignals];
std::atomic<void (*)(int, siginfo_t*, void*)> g_owner[kSignals];

__attribute__((tls_model("initial-exec"))) thread_local SignalFrame t_frames[kMaxSignalDepth + 1];

bool ValidSignal(int sig) { return sig >= 1 && sig < kSignals && sig != SIGKILL && sig != SIGSTOP; }

bool IsFunction(uintptr_t h) {
  return h != reinterpret_cast<uintptr_t>(SIG_DFL) && h != reinterpret_cast<uintptr_t>(SIG_IGN) &&
         h != reinterpret_cast<uintptr_t>(SIG_ERR);
}

void StoreProgramAction(int sig, const struct sigaction& act) {
  ProgramAction& p = g_program[sig];
  p.mask = act.sa_mask;
  p.flags.store(act.sa_flags, std::memory_order_relaxed);
  p.handler.store(reinterpret_cast<uintptr_t>(act.sa_sigaction), std::memory_order_release);
  p.active.store(true, std::memory_order_release);
}

void LoadProgramAction(int sig, struct sigaction* out) {
  const ProgramAction& p = g_program[sig];
  memset(out, 0, sizeof *out);
  out->sa_sigaction =
      reinterpret_cast<void (*)(int, siginfo_t*, void*)>(p.handler.load(std::memory_order_acquire));
  out->sa_flags = p.flags.load(std::memory_order_relaxed);
  out->sa_mask = p.mask;
}

// The stack the current handler runs on: the alternate stack when the kernel
// put it there, else "the thread's" (0, 0).
void CurrentHandlerStack(uintptr_t* lo, uintptr_t* hi) {
  *lo = *hi = 0;
  stack_t ss{};
  if (Next().sigaltstack(nullptr, &ss) == 0 && (ss.ss_flags & SS_ONSTACK) != 0) {
    *lo = reinterpret_cast<uintptr_t>(ss.ss_sp);
    *hi = *lo + ss.ss_size;
  }
}

void RunProgramHandler(int sig, siginfo_t* info, void* ucontext) {
  uintptr_t h = g_program[sig].handler.load(std::memory_order_acquire);
  int flags = g_program[sig].flags.load(std::memory_order_relaxed);
  if (!IsFunction(h)) return;
  if ((flags & SA_RESETHAND) != 0) {
    // The kernel reset the real disposition on delivery; so does the shadow.
    g_program[sig].handler.store(reinterpret_cast<uintptr_t>(SIG_DFL), std::memory_order_relaxed);
  }
  if ((flags & SA_SIGINFO) != 0) {
    reinterpret_cast<void (*)(int, siginfo_t*, void*)>(h)(sig, info, ucontext);
  } else {
    reinterpret_cast<void (*)(int)>(h)(sig);
  }
}

// Gives the calling thread the mask the kernel would have set for the
// program's own handler of `sig` (lcprof's handler runs with more blocked,
// see OwnSignal): what the signal interrupted, plus the handler's sa_mask,
// plus `sig` unless SA_NODEFER. sigreturn restores the interrupted mask.
void SetProgramHandlerMask(int sig, const void* ucontext) {
  sigset_t mask;
  if (ucontext != nullptr) {
    mask = static_cast<const ucontext_t*>(ucontext)->uc_sigmask;
  } else {
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, nullptr, &mask, _NSIG / 8);
  }
  const ProgramAction& p = g_program[sig];
  for (int s = 1; s < kSignals; ++s) {
    if (sigismember(&p.mask, s) == 1) sigaddset(&mask, s);
  }
  if ((p.flags.load(std::memory_order_relaxed) & SA_NODEFER) == 0) sigaddset(&mask, sig);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, nullptr, _NSIG / 8);
}

}  // namespace

const SignalFrame& SignalFrameAt(int depth) { return t_frames[depth]; }

// Every program handler installed through the wrapper runs here. Named
// plainly: it is the frame between the kernel's signal frame and the handler.
extern "C" void lcprof_signal_trampoline(int sig, siginfo_t* info, void* ucontext) {
  const auto me = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  int depth = t_libcall_state.depth;
  // A handler left by longjmp never came back to pop its frame: frames whose
  // trampoline lies below this one on the same stack are dead.
  while (depth > 0 && t_frames[depth].trampoline_fp < me &&
         me - t_frames[depth].trampoline_fp < (1u << 20)) {
    --depth;
  }
  const int outer = depth;
  if (depth < kMaxSignalDepth) {
    ++depth;
    SignalFrame& f = t_frames[depth];
    f.trampoline_fp = me;
    CurrentHandlerStack(&f.stack_lo, &f.stack_hi);
    const auto* uc = static_cast<const ucontext_t*>(ucontext);
    f.pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
    f.sp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
    f.fp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]);
    f.ucontext = ucontext;
    Leave(RecordAtDepth(depth), true);  // the handler starts with no record of its own
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t_libcall_state.depth = depth;
  }
  RunProgramHandler(sig, info, ucontext);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_libcall_state.depth = outer;
}

int GuardedSigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  if (!ValidSignal(sig)) return Next().sigaction(sig, act, old);
  if (g_owner[sig].load(std::memory_order_acquire) != nullptr) {
    struct sigaction previous;
    LoadProgramAction(sig, &previous);
    if (act != nullptr) StoreProgramAction(sig, *act);
    if (old != nullptr) *old = previous;
    return 0;
  }
  const bool was_shadowed = g_program[sig].active.load(std::memory_order_acquire);
  struct sigaction previous;
  if (was_shadowed) LoadProgramAction(sig, &previous);
  int rc;
  if (act != nullptr && IsFunction(reinterpret_cast<uintptr_t>(act->sa_sigaction))) {
    struct sigaction via = *act;
    via.sa_sigaction = lcprof_signal_trampoline;
    via.sa_flags |= SA_SIGINFO;
    StoreProgramAction(sig, *act);
    rc = Next().sigaction(sig, &via, old);
    if (rc != 0) {
      // Nothing changed in the kernel: neither may the shadow.
      if (was_shadowed) {
        StoreProgramAction(sig, previous);
      } else {
        g_program[sig].active.store(false, std::memory_order_release);
      }
      return rc;
    }
  } else {
    rc = Next().sigaction(sig, act, old);
    if (rc == 0 && act != nullptr) g_program[sig].active.store(false, std::memory_order_release);
  }
  if (rc == 0 && old != nullptr && was_shadowed) *old = previous;
  return rc;
}

bool OwnSignal(int sig, void (*handler)(int, siginfo_t*, void*)) {
  if (!ValidSignal(sig)) return false;
  if (g_owner[sig].load(std::memory_order_acquire) == nullptr &&
      !g_program[sig].active.load(std::memory_order_acquire)) {
    struct sigaction current;
    if (Next().sigaction(sig, nullptr, &current) != 0) return false;
    StoreProgramAction(sig, current);
  }
  struct sigaction mine {};
  mine.sa_sigaction = handler;
  mine.sa_flags = SA_SIGINFO | SA_RESTART;
  // Every asynchronous signal waits while lcprof's handler runs: a program
  // handler run inside it could leave by longjmp and abandon it halfway.
  FillAsynchronousSignals(&mine.sa_mask);
  if (Next().sigaction(sig, &mine, nullptr) != 0) return false;
  g_owner[sig].store(handler, std::memory_order_release);
  return true;
}

void FillAsynchronousSignals(sigset_t* set) {
  sigfillset(set);
  // A fault blocked when it happens kills the process outright.
  for (int fault : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS}) sigdelset(set, fault);
}

bool ProgramHandlesSignal(int sig) {
  return ValidSignal(sig) && g_program[sig].active.load(std::memory_order_acquire) &&
         IsFunction(g_program[sig].handler.load(std::memory_order_acquire));
}

void ForwardToProgram(int sig, siginfo_t* info, void* ucontext) {
  if (!ValidSignal(sig)) return;
  if (IsFunction(g_program[sig].handler.load(std::memory_order_acquire))) {
    SetProgramHandlerMask(sig, ucontext);
    lcprof_signal_trampoline(sig, info, ucontext);
  }
}

}  // namespace lcprof::libcall
