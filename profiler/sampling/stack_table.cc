// The stack table; the protocol is specified above the class in stack_table.h.
#include "profiler/sampling/stack_table.h"

#include <sys/mman.h>

#include <cstring>

namespace lcprof {
namespace {

// Arena words set aside per distinct stack: room for 60 frames on average
// (an entry is 4 words plus 2 per libcall mark plus 1 per frame). Deeper
// stacks on average fill the arena before max_stacks entries exist; the
// samples that then find no room are counted as lost like any other.
constexpr size_t kArenaWordsPerStack = 64;
// The largest entry, so that even max_stacks = 1 holds one deepest stack.
constexpr size_t kMaxEntryWords = 4 + 2 * kMaxLibcallMarks + kMaxFrames;

// Where an entry's fields are, in words from its start.
constexpr size_t kSamplesWord = 0;
constexpr size_t kCpuWord = 1;
constexpr size_t kHeadWord = 2;
constexpr size_t kGWord = 3;
constexpr size_t kMarksWord = 4;

// Slots hold an entry's offset + 1 in 32 bits.
constexpr size_t kMaxStacksInTable = (0xfffffffeull - kMaxEntryWords) / kArenaWordsPerStack;

static_assert(std::atomic_ref<uint64_t>::is_always_lock_free, "counts are lock-free atomics");
static_assert(sizeof(uintptr_t) == sizeof(uint64_t), "frames are stored as arena words");

// A slot's entry: where it starts in the arena, and the slot for an entry.
uint64_t EntryOffset(uint64_t slot) { return (slot & 0xffffffffu) - 1; }
uint64_t SlotFor(uint64_t tag, uint64_t offset) { return (tag << 32) | (offset + 1); }

uint64_t Head(const Sample& s, uint32_t depth, uint32_t marks) {
  return depth | (static_cast<uint64_t>(marks) << 16) |
         (static_cast<uint64_t>(static_cast<uint32_t>(s.tid)) << 32);
}

// A multiply-xorshift mix over the key's words, in the order they are stored.
uint64_t Mix(uint64_t h, uint64_t word) {
  h = (h ^ word) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}

uint64_t HashKey(const Sample& s, uint32_t depth, uint32_t marks) {
  uint64_t h = Mix(0x2545f4914f6cdd1dull, Head(s, depth, marks));
  h = Mix(h, s.g);
  for (uint32_t i = 0; i < marks; ++i) {
    h = Mix(h, s.mark[i].index);
    h = Mix(h, s.mark[i].fn);
  }
  for (uint32_t i = 0; i < depth; ++i) h = Mix(h, s.frames[i]);
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  return h ^ (h >> 32);
}

size_t PowerOfTwoAtLeast(size_t n) {
  size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

StackTable::StackTable(size_t max_stacks) {
  max_stacks_ = max_stacks < 1                   ? 1
                : max_stacks > kMaxStacksInTable ? kMaxStacksInTable
                                                 : max_stacks;
  slots_ = PowerOfTwoAtLeast(2 * max_stacks_);
  arena_words_ = max_stacks_ * kArenaWordsPerStack + kMaxEntryWords;
  bytes_ = (slots_ + arena_words_) * sizeof(uint64_t);
  // MAP_NORESERVE: the reservation is address space; a page becomes memory
  // only when an insert first writes it.
  void* mem = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) return;
  index_ = static_cast<uint64_t*>(mem);
  arena_ = index_ + slots_;
}

StackTable::~StackTable() {
  if (index_ != nullptr) munmap(index_, bytes_);
}

uint64_t StackTable::LoadSlot(size_t i) const {
  return std::atomic_ref<uint64_t>(index_[i]).load(std::memory_order_acquire);
}

StackTable::StackView StackTable::View(uint64_t slot) const {
  uint64_t* e = arena_ + EntryOffset(slot);
  StackView v;
  const uint64_t head = e[kHeadWord];
  v.depth = static_cast<uint32_t>(head & 0xffff);
  v.marks = static_cast<uint32_t>((head >> 16) & 0xffff);
  v.tid = static_cast<int32_t>(static_cast<uint32_t>(head >> 32));
  v.g = e[kGWord];
  v.mark_words = e + kMarksWord;
  v.frames = e + kMarksWord + 2 * v.marks;
  v.samples = std::atomic_ref<uint64_t>(e[kSamplesWord]).load(std::memory_order_relaxed);
  v.cpu_nanos = std::atomic_ref<uint64_t>(e[kCpuWord]).load(std::memory_order_relaxed);
  return v;
}

bool StackTable::SameKey(uint64_t offset, const Sample& s, uint32_t depth, uint32_t marks) const {
  const uint64_t* e = arena_ + offset;
  if (e[kHeadWord] != Head(s, depth, marks) || e[kGWord] != s.g) return false;
  const uint64_t* m = e + kMarksWord;
  for (uint32_t i = 0; i < marks; ++i) {
    if (m[2 * i] != s.mark[i].index || m[2 * i + 1] != s.mark[i].fn) return false;
  }
  return memcmp(m + 2 * marks, s.frames, depth * sizeof(uintptr_t)) == 0;
}

int64_t StackTable::NewEntry(const Sample& s, uint32_t depth, uint32_t marks) {
  // fetch_add, not compare-and-swap: once a budget is exhausted every later
  // reservation fails too, so overshooting the counter is harmless.
  if (stacks_reserved_.fetch_add(1, std::memory_order_relaxed) >= max_stacks_) return -1;
  const uint64_t words = kMarksWord + 2 * marks + depth;
  const uint64_t offset = arena_used_.fetch_add(words, std::memory_order_relaxed);
  if (offset + words > arena_words_) return -1;
  uint64_t* e = arena_ + offset;
  e[kSamplesWord] = 1;
  e[kCpuWord] = s.cpu_nanos;
  e[kHeadWord] = Head(s, depth, marks);
  e[kGWord] = s.g;
  uint64_t* m = e + kMarksWord;
  for (uint32_t i = 0; i < marks; ++i) {
    m[2 * i] = s.mark[i].index;
    m[2 * i + 1] = s.mark[i].fn;
  }
  memcpy(m + 2 * marks, s.frames, depth * sizeof(uintptr_t));
  return static_cast<int64_t>(offset);
}

void StackTable::CountLost(const Sample& s) {
  lost_samples_.fetch_add(1, std::memory_order_relaxed);
  lost_cpu_nanos_.fetch_add(s.cpu_nanos, std::memory_order_relaxed);
}

void StackTable::Add(const Sample& s) {
  if (index_ == nullptr) return CountLost(s);
  const uint32_t depth = s.depth <= kMaxFrames ? s.depth : kMaxFrames;
  const uint32_t marks = s.marks <= kMaxLibcallMarks ? s.marks : kMaxLibcallMarks;
  const uint64_t hash = HashKey(s, depth, marks);
  const uint64_t tag = hash >> 32;
  int64_t mine = -1;  // the entry reserved and filled for this key, not yet published
  size_t i = hash & (slots_ - 1);
  for (uint32_t probe = 0; probe < kMaxProbes;) {
    std::atomic_ref<uint64_t> slot(index_[i]);
    uint64_t seen = slot.load(std::memory_order_acquire);
    if (seen == 0) {
      if (mine < 0) {
        mine = NewEntry(s, depth, marks);
        if (mine < 0) return CountLost(s);
      }
      const uint64_t published = SlotFor(tag, static_cast<uint64_t>(mine));
      if (slot.compare_exchange_strong(seen, published, std::memory_order_release,
                                       std::memory_order_acquire)) {
        return;
      }
      // Lost the race for this slot: `seen` now holds the winner; judge it below.
    }
    if ((seen >> 32) == tag && SameKey(EntryOffset(seen), s, depth, marks)) {
      uint64_t* e = arena_ + EntryOffset(seen);
      std::atomic_ref<uint64_t>(e[kSamplesWord]).fetch_add(1, std::memory_order_relaxed);
      std::atomic_ref<uint64_t>(e[kCpuWord]).fetch_add(s.cpu_nanos, std::memory_order_relaxed);
      return;  // an entry in hand stays unused
    }
    i = (i + 1) & (slots_ - 1);
    ++probe;
  }
  CountLost(s);  // out of probes (an entry in hand stays unused)
}

void StackTable::Reset() {
  if (index_ != nullptr) madvise(index_, bytes_, MADV_DONTNEED);
  stacks_reserved_.store(0, std::memory_order_relaxed);
  arena_used_.store(0, std::memory_order_relaxed);
  lost_samples_.store(0, std::memory_order_relaxed);
  lost_cpu_nanos_.store(0, std::memory_order_relaxed);
}

}  // namespace lcprof
