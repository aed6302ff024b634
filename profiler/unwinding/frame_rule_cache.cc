// The frame-rule cache; see frame_rule_cache.h for the protocol.
#include "profiler/unwinding/frame_rule_cache.h"

#include <sys/mman.h>

#include <atomic>

namespace lcprof {

struct FrameRuleCache::Slot {
  std::atomic<uint64_t> key;
  std::atomic<uint64_t> rule;
};

namespace {

// 64 Ki slots (1 MiB of address space, faulted in as used): a large
// program's hot return addresses and leaf pcs fit many times over.
constexpr size_t kSharedSlots = size_t{1} << 16;

std::atomic<FrameRuleCache*> g_shared{nullptr};

}  // namespace

FrameRuleCache::FrameRuleCache(size_t slots) {
  size_t n = 1;
  while (n < slots) n <<= 1;
  bytes_ = n * sizeof(Slot);
  void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return;
  slots_ = static_cast<Slot*>(p);  // zero pages: every slot empty
  mask_ = n - 1;
}

FrameRuleCache::~FrameRuleCache() {
  if (slots_ != nullptr) munmap(slots_, bytes_);
}

size_t FrameRuleCache::Home(uintptr_t key) const {
  return static_cast<size_t>((key * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & mask_;
}

bool FrameRuleCache::Find(uintptr_t key, FrameRule* rule) const {
  if (key == 0) return false;
  size_t i = Home(key);
  for (int probe = 0; probe < kProbes; ++probe, i = (i + 1) & mask_) {
    const uint64_t k = slots_[i].key.load(std::memory_order_acquire);
    if (k == 0) return false;  // keys are never removed one by one: k is absent
    if (k != key) continue;
    const uint64_t packed = slots_[i].rule.load(std::memory_order_acquire);
    if (packed == 0) return false;
    *rule = FrameRule::Unpack(packed);
    return true;
  }
  return false;
}

bool FrameRuleCache::Insert(uintptr_t key, const FrameRule& rule) {
  if (key == 0) return false;
  size_t i = Home(key);
  for (int probe = 0; probe < kProbes; ++probe, i = (i + 1) & mask_) {
    uint64_t k = slots_[i].key.load(std::memory_order_relaxed);
    if (k == 0 && slots_[i].key.compare_exchange_strong(k, key, std::memory_order_acq_rel)) {
      slots_[i].rule.store(rule.Pack(), std::memory_order_release);
      return true;
    }
    if (k == key) return false;  // someone else keeps the same answer
  }
  full_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void FrameRuleCache::Clear() {
  // Dropping the pages empties every slot and gives the memory back.
  if (madvise(slots_, bytes_, MADV_DONTNEED) != 0) {
    for (size_t i = 0; i <= mask_; ++i) {
      slots_[i].key.store(0, std::memory_order_relaxed);
      slots_[i].rule.store(0, std::memory_order_relaxed);
    }
  }
}

FrameRuleCache* SharedFrameRuleCache() { return g_shared.load(std::memory_order_acquire); }

void PrepareFrameRuleCache() {
  if (g_shared.load(std::memory_order_acquire) != nullptr) return;
  auto* cache = new FrameRuleCache(kSharedSlots);
  if (!cache->ok()) {
    delete cache;
    return;
  }
  FrameRuleCache* expected = nullptr;
  if (!g_shared.compare_exchange_strong(expected, cache)) delete cache;
}

}  // namespace lcprof
