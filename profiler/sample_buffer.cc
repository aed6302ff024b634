// Implementation of the sample ring; the protocol is specified in sample_buffer.h.
#include "profiler/sample_buffer.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace lcprof {

SampleBuffer::SampleBuffer(size_t capacity) {
  size_t c = 1;
  while (c < capacity) c <<= 1;
  bytes_ = c * (sizeof(std::atomic<uint64_t>) + sizeof(Sample));
  void* mem = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return;
  seqs_ = static_cast<std::atomic<uint64_t>*>(mem);
  samples_ = reinterpret_cast<Sample*>(static_cast<char*>(mem) + c * sizeof(std::atomic<uint64_t>));
  mask_ = c - 1;
  for (size_t i = 0; i < c; ++i) new (&seqs_[i]) std::atomic<uint64_t>(i);
}

SampleBuffer::~SampleBuffer() {
  if (seqs_ != nullptr) munmap(seqs_, bytes_);
}

SampleBuffer::Claim SampleBuffer::TryClaim() {
  uint64_t t = tail_.load(std::memory_order_relaxed);
  for (;;) {
    const size_t i = t & mask_;
    uint64_t seq = seqs_[i].load(std::memory_order_acquire);
    auto diff = static_cast<int64_t>(seq - t);
    if (diff == 0) {
      if (tail_.compare_exchange_weak(t, t + 1, std::memory_order_relaxed)) {
        return Claim{&samples_[i], t};
      }
      // t was reloaded by the failed CAS.
    } else if (diff < 0) {
      lost_.fetch_add(1, std::memory_order_relaxed);
      return Claim{};
    } else {
      t = tail_.load(std::memory_order_relaxed);
    }
  }
}

void SampleBuffer::Commit(const Claim& claim) {
  seqs_[claim.ticket & mask_].store(claim.ticket + 1, std::memory_order_release);
}

bool SampleBuffer::TryPop(Sample* out) {
  const size_t i = head_ & mask_;
  if (seqs_[i].load(std::memory_order_acquire) != head_ + 1) return false;
  const Sample& in = samples_[i];
  std::memcpy(out, &in, offsetof(Sample, frames) + in.depth * sizeof(uintptr_t));
  seqs_[i].store(head_ + mask_ + 1, std::memory_order_release);
  ++head_;
  return true;
}

}  // namespace lcprof
