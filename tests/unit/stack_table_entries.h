// Test helper: a stack table's entries read back as Samples (key fields and
// cpu_nanos) with their sample counts, for tests that check what the
// handler recorded. Control path: read only once no Add runs.
#pragma once

#include <cstdint>
#include <vector>

#include "profiler/sampling/stack_table.h"

namespace lcprof {

struct TableEntry {
  Sample key;  // frames, marks, tid, g; cpu_nanos holds the entry's total
  uint64_t samples = 0;
};

inline std::vector<TableEntry> TableEntries(const StackTable& table) {
  std::vector<TableEntry> out;
  table.ForEachStack([&out](const StackTable::StackView& v) {
    TableEntry e{};
    e.key.depth = v.depth;
    e.key.marks = v.marks;
    e.key.tid = v.tid;
    e.key.g = v.g;
    e.key.cpu_nanos = v.cpu_nanos;
    for (uint32_t i = 0; i < v.marks; ++i) e.key.mark[i] = v.mark(i);
    for (uint32_t i = 0; i < v.depth; ++i) e.key.frames[i] = v.frames[i];
    e.samples = v.samples;
    out.push_back(e);
  });
  return out;
}

inline uint64_t TotalSamples(const StackTable& table) {
  uint64_t n = 0;
  table.ForEachStack([&n](const StackTable::StackView& v) { n += v.samples; });
  return n;
}

}  // namespace lcprof
