// Aggregated samples: identical (stack, thread, libcall) samples merged into
// one entry with counts. Filled by the collector (collector.h) off the signal
// path; read by the pprof writer (pprof_writer.h) once collection has stopped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "profiler/sample.h"

namespace lcprof {

struct StackKey {
  std::vector<uintptr_t> frames;  // as in Sample::frames
  int32_t tid = 0;
  uint32_t libcall_fn = 0;
  uint64_t g = 0;
  bool operator==(const StackKey&) const = default;
};

struct StackKeyHash {
  size_t operator()(const StackKey& k) const;
};

struct StackCounts {
  uint64_t samples = 0;
  uint64_t cpu_nanos = 0;
};

class StackTable {
 public:
  void Add(const Sample& s);
  const std::unordered_map<StackKey, StackCounts, StackKeyHash>& entries() const {
    return entries_;
  }
  uint64_t total_samples() const { return total_samples_; }

 private:
  std::unordered_map<StackKey, StackCounts, StackKeyHash> entries_;
  uint64_t total_samples_ = 0;
};

}  // namespace lcprof
