// Thread names for the profile's `thread_name` label, learned without a
// thread of lcprof's: the SIGPROF handler, the first time it samples a
// thread, asks the kernel for that thread's own name (prctl PR_GET_NAME, a
// raw system call) and keeps it here. Upstream: signal_handler.cc (Note);
// downstream: the pprof writer reads the names at stop.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace lcprof {

// Protocol: an insert-only, lock-free map from thread id to name.
//
// Layout: S slots (one anonymous mapping, MAP_NORESERVE), S = the power of
// two >= 2 * max_threads; a slot is {tid, named, name[16]}; tid 0 = empty.
//
// Writer (Note(tid): only on the thread `tid` itself, in its SIGPROF handler
// or with SIGPROF blocked; never waits): probe from hash(tid), at most
// kMaxProbes slots:
//  - tid found: done (named, or being named by this same thread further down
//    its stack: nothing to do either way);
//  - an empty slot: CAS its tid from 0 to `tid` (acquire-release). Won: read
//    the name into the slot, then set named = 1 (release); done. Lost:
//    another thread took the slot; look at it again (it is not `tid`, whose
//    only writer is this thread) and probe on;
//  - another tid: next slot.
// A full table, or too long a probe, leaves the thread unnamed.
//
// Invariants: a slot's tid, once set, never changes until Reset; since only
// thread `tid` writes `tid`, a tid has at most one slot; name is complete
// before named is 1.
//
// Reader (Names: control path): the slots whose named is 1. Complete once no
// Note can run (after DisarmProfSignalHandler).
class ThreadNameTable {
 public:
  // Control path. Room for `max_threads` threads (>= 1); ok() is false when
  // the mapping failed.
  explicit ThreadNameTable(size_t max_threads);
  ~ThreadNameTable();  // unmaps: only once no Note can reach the table
  ThreadNameTable(const ThreadNameTable&) = delete;
  ThreadNameTable& operator=(const ThreadNameTable&) = delete;

  bool ok() const { return slots_ != nullptr; }
  size_t reserved_bytes() const { return bytes_; }

  // Signal-safe; `tid` must be the calling thread (the name read is its own).
  void Note(pid_t tid);

  // Control path: every name learned. Scans the slots only until it has
  // found as many names as were noted (none: no slot is touched).
  std::unordered_map<int32_t, std::string> Names() const;

  // Control path, no Note running: forgets every name.
  void Reset();

 private:
  static constexpr uint32_t kMaxProbes = 64;
  struct Slot {
    int32_t tid;     // atomic_ref; 0 = empty
    uint32_t named;  // atomic_ref; 1 once name is complete
    char name[16];   // the kernel's comm: at most 15 bytes and a NUL
  };

  Slot* slots_ = nullptr;         // immutable after construction, like the two below
  size_t count_ = 0;              // S, a power of two
  std::atomic<size_t> noted_{0};  // slots claimed by Note since the last Reset
  size_t bytes_ = 0;
};

}  // namespace lcprof
