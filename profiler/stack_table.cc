// Sample aggregation; see stack_table.h.
#include "profiler/stack_table.h"

namespace lcprof {

size_t StackKeyHash::operator()(const StackKey& k) const {
  // FNV-1a over the words of the key.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
  };
  for (uintptr_t f : k.frames) mix(f);
  mix(static_cast<uint32_t>(k.tid));
  mix(k.libcall_fn);
  mix(k.g);
  return static_cast<size_t>(h);
}

void StackTable::Add(const Sample& s) {
  StackKey key;
  key.frames.assign(s.frames, s.frames + s.depth);
  key.tid = s.tid;
  key.libcall_fn = s.libcall_fn;
  key.g = s.g;
  StackCounts& c = entries_[std::move(key)];
  c.samples += 1;
  c.cpu_nanos += s.cpu_nanos;
  total_samples_ += 1;
}

}  // namespace lcprof
