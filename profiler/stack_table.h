// Aggregated samples: identical (stack, thread, libcall) samples merged into
// one entry with counts. Filled by the collector (collector.h) off the signal
// path; read by the pprof writer (pprof_writer.h) once collection has stopped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "profiler/sample.h"

namespace lcprof {

struct StackKey {
  std::vector<uintptr_t> frames;                      // as in Sample::frames
  std::vector<std::pair<uint32_t, uintptr_t>> marks;  // as in Sample::mark
  int32_t tid = 0;
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
  // Names of the threads seen, read from /proc when each first appears (a
  // thread may be gone by the time the profile is written).
  const std::unordered_map<int32_t, std::string>& thread_names() const { return thread_names_; }

 private:
  std::unordered_map<int32_t, std::string> thread_names_;
  std::unordered_map<StackKey, StackCounts, StackKeyHash> entries_;
  uint64_t total_samples_ = 0;
};

}  // namespace lcprof
