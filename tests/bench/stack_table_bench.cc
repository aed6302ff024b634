// The cost of one StackTable::Add, the step the SIGPROF handler adds to the
// walk: a stack already in the table (the common case once a program runs
// its hot paths) and a new one, by stack depth. Single-threaded; the handler
// never waits for another thread, so contention only adds cache misses.
#include <benchmark/benchmark.h>

#include <vector>

#include "profiler/sampling/stack_table.h"

namespace lcprof {
namespace {

Sample StackOfDepth(uint32_t depth, uint64_t variant) {
  Sample s{};
  s.tid = 1;
  s.cpu_nanos = 10000000;
  for (uint32_t i = 0; i < depth; ++i) s.frames[s.depth++] = 0x400000 + 16 * i + variant;
  return s;
}

void BM_AddKnownStack(benchmark::State& state) {
  StackTable table(100000);
  // 1000 stacks of the table, added in turn, so lookups are not all one line.
  std::vector<Sample> stacks;
  for (uint64_t v = 0; v < 1000; ++v) {
    stacks.push_back(StackOfDepth(static_cast<uint32_t>(state.range(0)), v << 32));
  }
  for (const Sample& s : stacks) table.Add(s);
  size_t i = 0;
  for (auto _ : state) {
    table.Add(stacks[i]);
    i = i + 1 == stacks.size() ? 0 : i + 1;
  }
}
BENCHMARK(BM_AddKnownStack)->Arg(8)->Arg(32)->Arg(128);

void BM_AddNewStack(benchmark::State& state) {
  StackTable table(1000000);
  Sample s = StackOfDepth(static_cast<uint32_t>(state.range(0)), 0);
  uint64_t n = 0;
  for (auto _ : state) {
    s.frames[0] = 0x10000000 + ++n;  // a stack the table has not seen
    table.Add(s);
  }
  if (table.lost_samples() != 0) state.SkipWithError("the table filled up");
}
BENCHMARK(BM_AddNewStack)->Arg(8)->Arg(32)->Arg(128)->Iterations(200000);

}  // namespace
}  // namespace lcprof

BENCHMARK_MAIN();
