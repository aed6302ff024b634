// The hand-off between signal handlers (many writers, any thread) and the
// collector thread (the one reader): a bounded lock-free ring of fixed-size
// sample slots. Upstream: signal_handler.cc; downstream: collector.cc.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "profiler/sample.h"

namespace lcprof {

// Protocol (a bounded queue with a sequence number per slot):
//  - capacity C is a power of two; slot i starts with seq = i.
//  - A writer reads tail = t; the slot s = t mod C is free for it exactly when
//    s.seq == t. It claims it with CAS(tail, t, t+1), fills s.sample in place,
//    then publishes with s.seq = t + 1 (release). If s.seq < t the ring is
//    full: the writer counts a lost sample and returns at once, it never waits.
//    If s.seq > t another writer claimed t first: reload tail and retry (the
//    CAS only fails when some other writer made progress: lock-free).
//  - The reader holds head = h and reads slot h mod C when s.seq == h + 1
//    (acquire), then frees it for the next lap with s.seq = h + C (release).
//    A claimed but unpublished slot stops the reader until its writer commits;
//    writers never wait for the reader.
// Invariant: head <= published slots <= tail <= head + C.
class SampleBuffer {
 public:
  // Capacity is rounded up to a power of two. Memory comes from mmap, once.
  explicit SampleBuffer(size_t capacity);
  ~SampleBuffer();
  SampleBuffer(const SampleBuffer&) = delete;
  SampleBuffer& operator=(const SampleBuffer&) = delete;

  bool ok() const { return samples_ != nullptr; }
  size_t capacity() const { return mask_ + 1; }

  // Writer side. Signal-safe. Returns a claimed slot to fill and Commit, or
  // nullptr (and one more lost sample) when the ring is full.
  struct Claim {
    Sample* sample = nullptr;
    uint64_t ticket = 0;
  };
  Claim TryClaim();
  void Commit(const Claim& claim);

  // Reader side: collector thread only. Copies out the oldest published sample.
  bool TryPop(Sample* out);

  uint64_t lost() const { return lost_.load(std::memory_order_relaxed); }

 private:
  // Sequence numbers and samples live in separate arrays: setting up the
  // ring writes every sequence number (16 KiB for 2048 slots) but touches no
  // sample page, so a slot's memory is faulted in only when first used.
  std::atomic<uint64_t>* seqs_ = nullptr;
  Sample* samples_ = nullptr;
  size_t mask_ = 0;
  size_t bytes_ = 0;
  alignas(64) std::atomic<uint64_t> tail_{0};  // writers
  alignas(64) uint64_t head_ = 0;              // reader only
  std::atomic<uint64_t> lost_{0};
};

}  // namespace lcprof
