// What the walkers have learned about code addresses: lookup address (an
// exact pc, or a return address minus one) -> FrameRule. Filled lazily by the
// SIGPROF handler itself on a miss (cfi_reader.h), so nothing is read before
// a sample needs it and the next walk through the same code costs one probe.
//
// Protocol (a bounded open-addressing table of 16-byte slots, allocated once
// before sampling starts; pages are faulted in only as slots are used):
//  - slot = {key, rule}, both atomic 64-bit words, 0 meaning empty; a key is
//    never 0 (address 0 is no code) and a stored rule never packs to 0.
//  - Insert(k, r): probe at most kProbes slots from hash(k); claim an empty
//    one with CAS(key, 0, k), then store rule (release). Stop, without
//    storing, at a slot whose key already is k (another writer has or is
//    writing the same answer). All probed slots taken by other keys: the
//    cache is full there; the rule is not kept (counted) and the walk goes on
//    with the answer it computed. Never waits, never allocates.
//  - Find(k): probe the same slots; a slot with key k and a non-zero rule
//    (acquire) is a hit. Key k with rule still 0 (a writer between its CAS
//    and its store, possibly the handler this one interrupted) is a miss.
//  - Keys are only removed all at once, by Clear, which the unload guard
//    (unload_guard.h) calls while no walker can be inside the cache: a module
//    unloaded and another loaded at its addresses must not inherit its rules.
// Invariant: a slot's key changes only 0 -> k (Insert) or k -> 0 (Clear).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "profiler/unwinding/frame_rule.h"

namespace lcprof {

class FrameRuleCache {
 public:
  static constexpr int kProbes = 8;

  // Reserves `slots` (rounded up to a power of two) slots. Control path.
  explicit FrameRuleCache(size_t slots);
  ~FrameRuleCache();
  FrameRuleCache(const FrameRuleCache&) = delete;
  FrameRuleCache& operator=(const FrameRuleCache&) = delete;

  bool ok() const { return slots_ != nullptr; }

  // Signal-safe. True with *rule on a hit.
  bool Find(uintptr_t key, FrameRule* rule) const;
  // Signal-safe. False when the rule could not be kept (full, or key 0).
  bool Insert(uintptr_t key, const FrameRule& rule);
  // Empties the cache. Only while no Find or Insert runs (unload_guard.h).
  void Clear();

  // Rules computed but not kept because their slots were taken.
  uint64_t full_count() const { return full_.load(std::memory_order_relaxed); }

 private:
  struct Slot;
  size_t Home(uintptr_t key) const;

  Slot* slots_ = nullptr;
  size_t mask_ = 0;
  size_t bytes_ = 0;
  std::atomic<uint64_t> full_{0};  // inserts refused for want of a free slot
};

// The process's cache: created by PrepareFrameRuleCache (control path, before
// the handler is armed; idempotent) and never freed, so a handler may always
// reach it. nullptr before.
FrameRuleCache* SharedFrameRuleCache();
void PrepareFrameRuleCache();

}  // namespace lcprof
