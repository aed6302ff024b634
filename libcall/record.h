// The per-thread libcall record (the "M" of ../shared/docs/libcall-contract.md).
// Writers are the wrappers in libcall/ (scope.h); the one reader is the
// profiler's SIGPROF handler on the same thread (profiler/sampling/signal_handler.cc).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "libcall/libcall_id.h"

namespace lcprof::libcall {

// Invariants (all readers and writers run on the owning thread; a reader only
// ever runs as a signal handler interrupting a writer, never concurrently):
//  - sp > kSpClaimed means "a record is in force" and that g, pc, fp and fn
//    belong to the same call as sp: they are written first, sp last, behind a
//    signal fence.
//  - Only the call that set sp clears it (writer rule 3), or a later call
//    that finds the record's call gone (Enter: its caller's sp lies below
//    the new caller's) and takes the record over.
//  - sp == kSpClaimed while a writer is between its "sp == 0" check and its
//    store of the real sp: readers take it for "no record", writers for "in
//    force" (they record nothing). So a wrapper running in a signal handler
//    that interrupted that window can never leave its g/pc/fp under the outer
//    writer's sp (no torn record); a handler that interrupts before the claim
//    runs to completion (record and clear) before the outer writer resumes,
//    whose later stores then win cleanly.
//
// The fields are plain integers, not std::atomic, so that the record is
// trivially constructible: a thread_local with a constructor would get a
// lazy-initialisation guard reached through __tls_get_addr. sp is accessed
// only through std::atomic_ref.
struct Record {
  uintptr_t g;
  uintptr_t pc;
  uintptr_t fp;
  uintptr_t fn;  // a LibcallId, or (>= kFirstNamePointer) a static C string naming a region
  uintptr_t sp;
};

// The sp value of a record being written (no stack pointer is 1).
inline constexpr uintptr_t kSpClaimed = 1;

// Deepest nesting of program signal handlers tracked (signal_guard.h);
// deeper ones run untracked, sharing the deepest level's record.
inline constexpr int kMaxSignalDepth = 4;

// Per-thread state of the contract, in one initial-exec TLS block so that
// wrappers and the signal handler reach it with one %fs-relative access and
// no call (no __tls_get_addr, no lazy-init guard: it is plain data, zeroed
// when the thread starts).
struct ThreadState {
  Record records[kMaxSignalDepth + 1];  // one per signal depth; [0]: the thread's own code
  int depth;                            // program handlers running (signal_guard.h)
  uintptr_t current_g;                  // the G the thread runs, 0: the thread itself
};
// (Named for assembly: the entry stubs of entry_stubs.h reach it by its GOT slot.)
extern __thread ThreadState t_libcall_state asm("lcprof_libcall_state")
    __attribute__((tls_model("initial-exec")));

// Record::fn values from here on are pointers to static strings (regions
// entered through the public API), below it LibcallId values.
inline constexpr uintptr_t kFirstNamePointer = 4096;
static_assert(std::is_trivially_default_constructible_v<Record>);

inline std::atomic_ref<uintptr_t> SpOf(Record& r) { return std::atomic_ref<uintptr_t>(r.sp); }

// The calling thread's record for its current signal depth (signal_guard.h):
// depth 0 is the thread's own code; depth d a program handler running
// behind lcprof's trampoline, which gets a record of its own so that the
// record of the call it interrupted is never touched (writer rule 1) while
// its own wrapped calls still publish their callers. Initial-exec TLS:
// reachable from a signal handler without __tls_get_addr.
inline Record& RecordAtDepth(int depth) {  // 0 <= depth <= kMaxSignalDepth
  return t_libcall_state.records[depth];
}
// signal_guard.cc: the calling thread's depth once handlers left by longjmp
// or an exception are forgotten (judged from `sp`, the caller's stack).
int SettleSignalDepth(uintptr_t sp);
inline Record& ThisThreadRecord() {
  int d = t_libcall_state.depth;
  if (d != 0) [[unlikely]] {
    d = SettleSignalDepth(reinterpret_cast<uintptr_t>(__builtin_frame_address(0)));
  }
  return t_libcall_state.records[d < kMaxSignalDepth ? d : kMaxSignalDepth];
}

// The G the calling thread currently runs (0 = the OS thread itself).
inline uintptr_t CurrentG() { return t_libcall_state.current_g; }
inline void SetCurrentG(uintptr_t g) { t_libcall_state.current_g = g; }

// Writer side. Returns true when this call recorded (and so must clear).
// May run in any context, including signal handlers; async-signal-safe.
// A record in force whose caller's sp lies below this caller's sp, on the
// same G, belongs to a call that can no longer be running: a nested call is
// always made from deeper in the stack than the call it is nested in. So its
// call was left without returning (a signal handler's longjmp out of it, a
// C++ exception or thread cancellation through a wrapper that clears
// nothing) and the record is taken over; otherwise every later call of the
// thread would look nested and record nothing.
// Writes a record that the caller found free (or takes over): the claim,
// the fields, then sp (writer rule 2).
inline void Publish(Record& r, uintptr_t fn, uintptr_t pc, uintptr_t sp, uintptr_t fp) {
  SpOf(r).store(kSpClaimed, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  r.g = CurrentG();
  r.pc = pc;
  r.fp = fp;
  r.fn = fn;
  std::atomic_signal_fence(std::memory_order_release);
  SpOf(r).store(sp, std::memory_order_relaxed);
}

inline bool Enter(Record& r, uintptr_t fn, uintptr_t pc, uintptr_t sp, uintptr_t fp) {
  if (const uintptr_t in_force = SpOf(r).load(std::memory_order_relaxed); in_force != 0) {
    if (in_force == kSpClaimed || in_force >= sp || r.g != CurrentG()) {
      return false;  // nested: the outer record stays in force (writer rule 1)
    }
  }
  Publish(r, fn, pc, sp, fp);
  return true;
}

// The hand-written wrappers' hot path (scope.h; the entry stubs make the
// same test in assembly): true when the thread runs its own code (depth 0)
// and no record is in force there, i.e. when the call may publish
// records[0] without any of Enter's checks. One branch on two TLS words;
// everything else (nesting, a stale record to take over, program signal
// handlers) is left to Enter and ThisThreadRecord.
inline bool FreeAtDepthZero() {
  const uintptr_t sp = SpOf(t_libcall_state.records[0]).load(std::memory_order_relaxed);
  return (sp | static_cast<unsigned>(t_libcall_state.depth)) == 0;
}

inline bool Enter(Record& r, LibcallId fn, uintptr_t pc, uintptr_t sp, uintptr_t fp) {
  return Enter(r, static_cast<uintptr_t>(fn), pc, sp, fp);
}

inline void Leave(Record& r, bool recorded) {
  if (recorded) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    SpOf(r).store(0, std::memory_order_relaxed);
  }
}

// Reader side: a consistent copy of the record, or sp == 0 when none is in force.
struct RecordSnapshot {
  uintptr_t g = 0, pc = 0, sp = 0, fp = 0;
  uintptr_t fn = 0;  // as Record::fn
};

inline RecordSnapshot Read(Record& r) {
  RecordSnapshot s;
  s.sp = SpOf(r).load(std::memory_order_relaxed);
  if (s.sp <= kSpClaimed) {
    s.sp = 0;
    return s;
  }
  std::atomic_signal_fence(std::memory_order_acquire);
  s.g = r.g;
  s.pc = r.pc;
  s.fp = r.fp;
  s.fn = r.fn;
  return s;
}

}  // namespace lcprof::libcall
