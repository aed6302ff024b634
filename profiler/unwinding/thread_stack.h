// Per-thread stack bounds, the fence every stack walker checks before it reads
// a word. Set on each thread outside signal context (at profiling start for the
// starting thread, by the pthread_create hook for new threads) or, for threads
// that existed before profiling started, by a two-signal handshake with the
// control thread (LearnOtherThreadStacks). Read by the SIGPROF handler on the
// same thread.
#pragma once

#include <signal.h>

#include <cstdint>

namespace lcprof {

struct StackBounds {
  uintptr_t lo = 0;  // lowest readable address of the stack
  uintptr_t hi = 0;  // one past the highest; 0 = unknown
  bool Contains(uintptr_t a) const { return a >= lo && a < hi; }
};

// The calling thread's bounds, {0, 0} when unknown. Signal-safe.
StackBounds ThisThreadStack();

// Looks the calling thread's stack up and remembers it. Control path only.
void InitThisThreadStack();

// Control path, with the SIGPROF handler installed and armed: gives bounds
// to the threads of /proc/self/task that have none (threads no hook ran on).
// Each is sent a SIGPROF (SI_QUEUE, tagged) whose handler reports its stack
// and thread pointers unless its bounds are known or it runs on an alternate
// signal stack; this thread finds the mapping holding that sp in
// /proc/self/maps, derives the bounds from it (ProbedStackBounds) and sends
// them back by a second signal, whose handler stores them only if its sp
// lies inside them (so a thread id reused meanwhile takes nothing wrong). Only the thread itself ever writes its bounds. Waits at most
// `timeout_ms` for the answers. Returns how many threads got bounds. Skipped
// (returns 0) when the program handles SIGPROF itself: a queued SIGPROF
// would reach its handler.
int LearnOtherThreadStacks(int timeout_ms);

// The handshake's rule for the bounds of a thread that reported stack
// pointer `sp` and thread pointer `tp`, `m` being the mapping holding sp:
// the main thread's [stack] mapping; for a thread whose descriptor sits on
// top of its stack (every glibc thread, also with pthread_attr_setstack),
// the mapping's start up to tp; otherwise none (false): the mapping may be
// a fiber's or a malloc'd stack, or merged with unrelated memory that can be
// unmapped later. Control path; pure.
struct MemoryMapping;
bool ProbedStackBounds(const MemoryMapping& m, uintptr_t sp, uintptr_t tp, StackBounds* out);

// Signal-safe: whether `info` is one of the handshake's signals.
bool IsStackProbeSignal(const siginfo_t* info);
// Signal-safe, in the SIGPROF handler on the signalled thread: answers a
// handshake signal and returns true; false (nothing done) for any other.
bool HandleStackProbeSignal(const siginfo_t* info);

}  // namespace lcprof
