// The stack table: where the SIGPROF handler aggregates samples itself, so no
// thread of lcprof's ever runs in the profiled process. Identical samples
// (same frames, libcall marks, thread and G) share one entry whose counts
// grow with atomic adds. Upstream: signal_handler.cc fills it (Add); downstream:
// the pprof writer (pprof_writer.h) reads it at stop, once the handler is
// disarmed. Memory comes from one anonymous mapping made at session start;
// pages nobody touched cost no RSS.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "profiler/unwinding/sample.h"

namespace lcprof {

// Protocol: an insert-only, lock-free hash set of keys with counts.
//
// Layout. One mapping (MAP_NORESERVE) in two parts:
//  - index: S slots of one 64-bit word, S = the power of two >= 2 * max_stacks.
//    0 = empty; else (tag << 32) | (offset + 1): tag = the key hash's high 32
//    bits, offset = where the entry starts in the arena, in words.
//  - arena: 64-bit words, handed out by a bump counter (arena_used_). An
//    entry is [samples][cpu_nanos][head][g][mark index][mark fn]...[frame]...,
//    head = depth | marks << 16 | uint32(tid) << 32.
//
// Inserter (Add: any thread, any signal handler, concurrently, also nested
// on one thread; never waits):
//  1. Hash the key; probe slots h, h+1, ... (mod S), at most kMaxProbes (then
//     the sample is lost, as in 2):
//     - a slot with the key's tag whose entry holds the same key: add to its
//       counts (fetch_add, relaxed); done;
//     - a slot of another key: next slot;
//     - an empty slot: go to 2 (or, with an entry already in hand, to 3).
//  2. Reserve an entry: one of max_stacks (stacks_reserved_), then its words
//     in the arena (arena_used_). When either is exhausted, the sample is
//     lost: lost_samples_ and lost_cpu_nanos_ count it; done. Otherwise write
//     the counts (this sample's) and the key into the entry, plain stores.
//  3. CAS the empty slot from 0 to (tag, offset), release: on success the
//     entry, complete, is published; done. On failure another inserter
//     published there first: look at that slot again as in 1. It may hold
//     this very key (the counts go there; the reserved entry is left unused)
//     or another key (probe on, entry in hand).
//
// Invariants:
//  - A non-empty slot never changes until Reset, and an inserter stops at the
//    first empty slot of its probe sequence, so a key has at most one entry.
//  - An entry reachable from a slot is completely written (release CAS,
//    acquire load); its key never changes; its counts only grow.
//  - At most max_stacks entries are reserved, so the index is at most half
//    full and probe sequences are short.
//  - No slot is ever "being written": a published entry is whole. So nothing
//    waits for anything, and a handler that interrupts an Add on its own
//    thread, or an inserter stopped halfway, cannot stall anyone; the worst
//    an abandoned insert leaves is an unused entry.
//
// Reader (ForEachStack, lost_samples, lost_cpu_nanos: control path): sees
// published entries only. The counts are exact once no Add can run any more
// (after DisarmProfSignalHandler, whose wait orders every handler's adds
// before its return).
//
// Reset (control path, no Add running): returns every page to the kernel
// (MADV_DONTNEED, so they read as zero again) and clears the counters.
class StackTable {
 public:
  // Control path. Reserves address space for `max_stacks` distinct keys
  // (max_stacks >= 1); ok() is false when the mapping failed.
  explicit StackTable(size_t max_stacks);
  ~StackTable();  // unmaps: only once no Add can reach the table
  StackTable(const StackTable&) = delete;
  StackTable& operator=(const StackTable&) = delete;

  bool ok() const { return index_ != nullptr; }
  size_t max_stacks() const { return max_stacks_; }
  // Bytes of address space reserved (what `max_stacks` costs at most).
  size_t reserved_bytes() const { return bytes_; }

  // Signal-safe: counts one sample of s.cpu_nanos under the key of `s`
  // (s.depth frames, s.marks marks, s.tid, s.g), or as lost when full.
  void Add(const Sample& s);

  // One entry as the reader sees it; the pointers point into the table.
  struct StackView {
    const uintptr_t* frames;
    uint32_t depth;
    uint32_t marks;
    const uint64_t* mark_words;  // marks pairs (index, fn)
    int32_t tid;
    uint64_t g;
    uint64_t samples;
    uint64_t cpu_nanos;
    LibcallMark mark(uint32_t i) const {
      return {static_cast<uint32_t>(mark_words[2 * i]),
              static_cast<uintptr_t>(mark_words[2 * i + 1])};
    }
  };

  // Control path: calls fn(const StackView&) for every published entry, in
  // index order.
  template <typename Fn>
  void ForEachStack(Fn&& fn) const {
    // An empty table is not scanned: its index pages were never touched, and
    // reading them would fault every one in (a process without samples).
    if (stacks_reserved_.load(std::memory_order_relaxed) == 0) return;
    for (size_t i = 0; i < slots_; ++i) {
      const uint64_t slot = LoadSlot(i);
      if (slot != 0) fn(View(slot));
    }
  }

  // Samples that found the table or the arena full, and the CPU they stood for.
  uint64_t lost_samples() const { return lost_samples_.load(std::memory_order_relaxed); }
  uint64_t lost_cpu_nanos() const { return lost_cpu_nanos_.load(std::memory_order_relaxed); }

  // Control path, no Add running: forgets every entry and count.
  void Reset();

 private:
  // Probes per insert before the sample is counted as lost: at most half
  // full, a probe sequence this long does not happen with a mixing hash.
  static constexpr uint32_t kMaxProbes = 128;

  uint64_t LoadSlot(size_t i) const;
  StackView View(uint64_t slot) const;
  bool SameKey(uint64_t offset, const Sample& s, uint32_t depth, uint32_t marks) const;
  // Reserves and fills an entry for `s`; its offset, or -1 when full.
  int64_t NewEntry(const Sample& s, uint32_t depth, uint32_t marks);
  void CountLost(const Sample& s);

  // Immutable after construction.
  size_t max_stacks_ = 0;
  size_t slots_ = 0;        // S, a power of two
  size_t arena_words_ = 0;  // arena capacity
  size_t bytes_ = 0;
  uint64_t* index_ = nullptr;  // S slots, then the arena
  uint64_t* arena_ = nullptr;

  // Shared by every inserter (atomic).
  std::atomic<uint64_t> stacks_reserved_{0};
  std::atomic<uint64_t> arena_used_{0};
  std::atomic<uint64_t> lost_samples_{0};
  std::atomic<uint64_t> lost_cpu_nanos_{0};
};

}  // namespace lcprof
