// lcprof between the kernel and the program's signal handlers:
//  - signals lcprof owns (SIGPROF while profiling) stay lcprof's: a program's
//    sigaction/signal on them is kept in a shadow table and reported back
//    as if it had taken effect; signals that lcprof's timers did not send are
//    passed on to the program's handler;
//  - every other handler the program installs runs inside lcprof's
//    trampoline, which counts the signal depth of the thread and records
//    where each handler's frames begin and what it interrupted, so a sample
//    taken in a handler can be spliced onto the interrupted call's chain
//    (../shared/docs/libcall-contract.md, "Where C and C++ go beyond").
#pragma once

#include <signal.h>

#include <cstdint>

#include "libcall/record.h"

namespace lcprof::libcall {

// What the trampoline records for the handler running at depth d (1-based).
struct SignalFrame {
  uintptr_t trampoline_fp;       // the trampoline's frame: handler frames lie below it
  uintptr_t stack_lo, stack_hi;  // the stack the handler runs on (0, 0: unknown)
  uintptr_t pc, sp, fp;          // the interrupted context
  const void* ucontext;          // ...all of it, valid while the handler runs
  uint64_t program_blocked;      // the program's view of owned signals before (signal_mask.h)
};

// The calling thread's program-handler depth, handlers left by longjmp or
// an exception forgotten (record.h's SettleSignalDepth), and its frames.
// Signal-safe.
inline int SignalDepth() {
  return t_libcall_state.depth == 0
             ? 0
             : SettleSignalDepth(reinterpret_cast<uintptr_t>(__builtin_frame_address(0)));
}
const SignalFrame& SignalFrameAt(int depth);  // 1 <= depth <= SignalDepth()

// Signal-safe, for the SIGPROF handler: how many program handlers the code
// interrupted with stack pointer `sp` (the signal's `ucontext`) runs inside.
// Frames of handlers left by longjmp or an exception are not counted: a
// frame is live when `sp` lies below its trampoline on the stack the handler
// ran on. Changes nothing (the interrupted code may be a trampoline).
int LiveSignalDepth(uintptr_t sp, const void* ucontext);

// Signal-safe, for lcprof's handler of an owned signal before it hands the
// signal to the program: forgets the levels of handlers the interrupted
// code (`ucontext`) is no longer inside, and the view of the mask they set.
void SettleSignalDepthAt(const void* ucontext);

// The wrapper's sigaction. Transparent for every signal: the same return
// value, errno and old action the program would see without lcprof.
int GuardedSigaction(int sig, const struct sigaction* act, struct sigaction* old);

// Control path: lcprof takes `sig` for `handler` (installed now), keeping
// whatever the program had or later asks for in the shadow table. `handler`
// runs with every asynchronous signal blocked (faults excepted), so no
// program handler ever runs inside it.
bool OwnSignal(int sig, void (*handler)(int, siginfo_t*, void*));

// Signal-safe: every signal but the synchronous faults (SIGSEGV, SIGBUS,
// SIGILL, SIGFPE, SIGTRAP, SIGSYS): what lcprof's own handler runs with blocked.
void FillAsynchronousSignals(sigset_t* set);

// Signal-safe: whether the program has a handler function of its own for
// `sig` behind lcprof (installed through the wrapper).
bool ProgramHandlesSignal(int sig);

// Signal-safe: runs the program's shadow disposition for a signal lcprof
// owns but did not send (kill(pid, SIGPROF) by someone else): its handler,
// under the signal mask the program's sigaction asked for, or the default
// action when it asked for SIG_DFL.
void ForwardToProgram(int sig, siginfo_t* info, void* ucontext);

}  // namespace lcprof::libcall
