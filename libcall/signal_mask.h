// The program's view of its own signal mask, for the signals lcprof owns
// (SIGPROF while profiling; signal_guard.h). lcprof never lets such a signal
// be blocked in the kernel, or a thread that blocks it (inherited from its
// creator, as in xz -T or a sigwait server) would never be sampled. What the
// program asked for is kept here instead, per thread, and shown back by the
// mask interposers (signal_mask_linux.cc); signals the program itself sends
// are held or redirected by that view:
//  - one the program's view blocks on the receiving thread waits here
//    (deferred: one sent to the process, held per process, and one sent to
//    the thread, held per thread, as the kernel keeps one pending standard
//    signal of each kind) until a view unblocks it, or a sigwait takes it;
//  - one a thread waits for with the sigwait family goes to that thread.
// Upstream: the interposers and lcprof's SIGPROF handler; the owned signals
// themselves come from signal_guard.cc. Everything here is signal-safe
// unless marked "control path".
#pragma once

#include <signal.h>

#include <cstdint>

namespace lcprof::libcall {

// Bit (1 << (sig - 1)) per signal 1..64 lcprof owns; 0 before profiling.
uint64_t OwnedSignalBits();
void AddOwnedSignal(int sig);  // control path (signal_guard's OwnSignal)

// The owned signals of `set` as bits; removes / adds owned bits.
uint64_t OwnedBitsOf(const sigset_t* set);
void RemoveOwnedSignals(sigset_t* set);
void AddSignalBits(sigset_t* set, uint64_t bits);

// The calling thread's view: the owned signals the program believes blocked.
uint64_t ProgramBlockedBits();
// Sets the view; a deferred signal the new view unblocks is sent again to
// this thread, to arrive as soon as the caller returns to the program.
void SetProgramBlockedBits(uint64_t bits);

// On a new thread, first thing: its view is its creator's (`inherited`),
// plus any owned signal the kernel has blocked on it (a mask set with a raw
// system call, or before profiling), which is unblocked.
void AdoptThreadMask(uint64_t inherited);

// The sigwait family: the calling thread waits for the owned signals
// `bits` from Begin to End; the program's own signals of those go to it.
void BeginSignalWait(uint64_t bits);
void EndSignalWait();
// A deferred program signal among `bits`, taken for a sigwait: true and
// *info filled, or false.
bool TakeDeferredSignal(uint64_t bits, siginfo_t* info);

// Whether `info` is a signal lcprof's own timers or handshakes sent (the
// profiler installs the test, control path); without one, kernel-sent
// signals (si_code > 0) count as lcprof's.
void SetOwnSignalTest(bool (*test)(const siginfo_t* info));
bool IsOwnSignal(const siginfo_t* info);

// For lcprof's handler of owned signal `sig`, given one the program (or
// someone else) sent: delivers it as the program's view says (to a thread in
// sigwait, deferred, or to the program's handler) and returns true; false
// when the program has no handler of its own for it (the caller then keeps
// it: the default action would end the program).
bool TakeProgramSignal(int sig, siginfo_t* info, void* ucontext);

// Counts program handlers run on this thread (signal_guard's trampoline),
// so that a wait the program asked to end only by its own signals can tell
// a wake-up by lcprof's signal from one by the program's.
void NoteProgramHandlerRun();
uint64_t ProgramHandlerRuns();

}  // namespace lcprof::libcall
