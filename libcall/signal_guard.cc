// Program signal handlers behind lcprof's trampoline, and signals lcprof owns.
// See signal_guard.h. Everything reachable from a signal handler here is
// async-signal-safe: atomics, TLS and raw sigaction/sigaltstack/tgkill.
#include "libcall/signal_guard.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "libcall/libc_symbols.h"
#include "libcall/next_symbols.h"
#include "libcall/record.h"
#include "libcall/signal_mask.h"

extern "C" void lcprof_signal_trampoline(int sig, siginfo_t* info, void* ucontext);

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

// The alternate signal stack as it was when the signal of `ucontext` was
// delivered: the kernel saves it in uc_stack before SS_AUTODISARM clears it,
// so it is right even where sigaltstack() inside the handler says "disabled".
void AltStackOf(const void* ucontext, uintptr_t* lo, uintptr_t* hi) {
  *lo = *hi = 0;
  if (ucontext == nullptr) return;
  const stack_t& ss = static_cast<const ucontext_t*>(ucontext)->uc_stack;
  if ((ss.ss_flags & SS_DISABLE) != 0 && ss.ss_size == 0) return;
  *lo = reinterpret_cast<uintptr_t>(ss.ss_sp);
  *hi = *lo + ss.ss_size;
}

// Farthest a live handler's code may lie below its trampoline on the
// thread's own stack; an sp farther down is taken for another stack.
constexpr uintptr_t kMaxHandlerSpan = uintptr_t{8} << 20;

// Whether code running with stack pointer `sp` can be inside the handler of
// frame `f` (so the frame is live): on the handler's alternate stack below
// its trampoline, or below the trampoline on the thread's stack and not on
// the alternate stack [alt_lo, alt_hi). A handler left by longjmp or an
// exception never comes back to pop its frame; this is how it is forgotten.
bool FrameHolds(const SignalFrame& f, uintptr_t sp, uintptr_t alt_lo, uintptr_t alt_hi) {
  if (f.stack_hi != 0) return sp >= f.stack_lo && sp < f.trampoline_fp;
  if (sp >= alt_lo && sp < alt_hi) return false;
  return sp < f.trampoline_fp && f.trampoline_fp - sp < kMaxHandlerSpan;
}

int LiveDepth(uintptr_t sp, uintptr_t alt_lo, uintptr_t alt_hi) {
  int d = t_libcall_state.depth;
  if (d > kMaxSignalDepth) d = kMaxSignalDepth;
  while (d > 0 && !FrameHolds(t_frames[d], sp, alt_lo, alt_hi)) --d;
  return d;
}

// After handlers above `live` were left without returning: the program's
// view of its mask is what it was before the outermost of them (what a
// siglongjmp that saved the mask restores, in the common case that its
// sigsetjmp ran outside the handlers).
void ForgetDeadFrames(int live) {
  if (live < t_libcall_state.depth && live < kMaxSignalDepth) {
    SetProgramBlockedBits(t_frames[live + 1].program_blocked);
  }
}

// The owned signals the kernel would block while the program's handler for
// `sig` runs: its sa_mask, and `sig` itself unless SA_NODEFER.
uint64_t HandlerBlockedBits(int sig) {
  uint64_t bits = OwnedBitsOf(&g_program[sig].mask);
  if ((g_program[sig].flags.load(std::memory_order_relaxed) & SA_NODEFER) == 0) {
    sigset_t just_sig;
    sigemptyset(&just_sig);
    sigaddset(&just_sig, sig);
    bits |= OwnedBitsOf(&just_sig);
  }
  return bits;
}

void RunProgramHandler(int sig, siginfo_t* info, void* ucontext) {
  uintptr_t h = g_program[sig].handler.load(std::memory_order_acquire);
  int flags = g_program[sig].flags.load(std::memory_order_relaxed);
  if (!IsFunction(h) || h == reinterpret_cast<uintptr_t>(lcprof_signal_trampoline)) return;
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
  RemoveOwnedSignals(&mask);  // the trampoline keeps them in the program's view instead
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, nullptr, _NSIG / 8);
}

}  // namespace

const SignalFrame& SignalFrameAt(int depth) { return t_frames[depth]; }

int LiveSignalDepth(uintptr_t sp, const void* ucontext) {
  uintptr_t alt_lo = 0, alt_hi = 0;
  AltStackOf(ucontext, &alt_lo, &alt_hi);
  return LiveDepth(sp, alt_lo, alt_hi);
}

int SettleSignalDepth(uintptr_t sp) {
  const int live = LiveDepth(sp, 0, 0);
  if (live < t_libcall_state.depth) {
    ForgetDeadFrames(live);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t_libcall_state.depth = live;
  }
  return t_libcall_state.depth;
}

void SettleSignalDepthAt(const void* ucontext) {
  if (ucontext == nullptr || t_libcall_state.depth == 0) return;
  uintptr_t alt_lo = 0, alt_hi = 0;
  AltStackOf(ucontext, &alt_lo, &alt_hi);
  const auto sp =
      static_cast<uintptr_t>(static_cast<const ucontext_t*>(ucontext)->uc_mcontext.gregs[REG_RSP]);
  const int live = LiveDepth(sp, alt_lo, alt_hi);
  if (live < t_libcall_state.depth) {
    ForgetDeadFrames(live);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t_libcall_state.depth = live;
  }
}

// Every program handler installed through the wrapper runs here. Named
// plainly: it is the frame between the kernel's signal frame and the handler.
// The depth a sample reads never points at a frame being written: frames
// found dead are dropped from the published depth first, the new frame is
// written above it, and only then is the depth raised to include it.
extern "C" void lcprof_signal_trampoline(int sig, siginfo_t* info, void* ucontext) {
  const auto me = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  const auto* uc = static_cast<const ucontext_t*>(ucontext);
  const auto interrupted_sp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
  uintptr_t alt_lo = 0, alt_hi = 0;
  AltStackOf(ucontext, &alt_lo, &alt_hi);
  // Frames still live are those the interrupted code runs inside.
  const int outer = LiveDepth(interrupted_sp, alt_lo, alt_hi);
  ForgetDeadFrames(outer);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_libcall_state.depth = outer;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  int depth = outer;
  if (depth < kMaxSignalDepth) {
    ++depth;
    SignalFrame& f = t_frames[depth];
    f.trampoline_fp = me;
    const bool on_alt = me >= alt_lo && me < alt_hi;
    f.stack_lo = on_alt ? alt_lo : 0;
    f.stack_hi = on_alt ? alt_hi : 0;
    f.pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
    f.sp = interrupted_sp;
    f.fp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]);
    f.ucontext = ucontext;
    f.program_blocked = ProgramBlockedBits();
    Leave(RecordAtDepth(depth), true);  // the handler starts with no record of its own
  }  // deeper handlers run untracked, inside the deepest level (record.h)
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_libcall_state.depth = depth;
  // The program's view inside its handler: what the kernel would have
  // blocked for it (owned signals stay deliverable, signal_mask.h).
  const uint64_t view_before = ProgramBlockedBits();
  SetProgramBlockedBits(view_before | HandlerBlockedBits(sig));
  NoteProgramHandlerRun();
  RunProgramHandler(sig, info, ucontext);
  SetProgramBlockedBits(view_before);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_libcall_state.depth = outer;
}

int GuardedSigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  if (!ValidSignal(sig)) return Next().sigaction(sig, act, old);
  // The trampoline handed back to the program by a call that bypassed the
  // guard, reinstalled: it stands for the handler the shadow already holds,
  // never for itself (it would call itself for ever).
  struct sigaction kept;
  if (act != nullptr && act->sa_sigaction == lcprof_signal_trampoline) {
    kept = *act;
    const uintptr_t shadowed = g_program[sig].active.load(std::memory_order_acquire)
                                   ? g_program[sig].handler.load(std::memory_order_acquire)
                                   : reinterpret_cast<uintptr_t>(SIG_DFL);
    kept.sa_sigaction = reinterpret_cast<void (*)(int, siginfo_t*, void*)>(shadowed);
    act = &kept;
  }
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
    RemoveOwnedSignals(&via.sa_mask);  // kept in the program's view by the trampoline
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
  // Into the kernel through libc's own sigaction: a runtime loaded after
  // lcprof that interposes sigaction (TSan's, in a TSan-built program) would
  // otherwise wrap the handler and run it late, at the runtime's own safe
  // points, far from where the signal interrupted.
  auto* install = reinterpret_cast<decltype(Next().sigaction)>(LookUpLibcSymbol("sigaction"));
  if (install == nullptr) install = Next().sigaction;
  if (install(sig, &mine, nullptr) != 0) return false;
  g_owner[sig].store(handler, std::memory_order_release);
  AddOwnedSignal(sig);
  // From now on `sig` is never blocked in the kernel (signal_mask.h); on this
  // thread, a block the program already asked for moves into its view. (Other
  // threads alive now do the same at their next mask call.)
  AdoptThreadMask(ProgramBlockedBits());
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
