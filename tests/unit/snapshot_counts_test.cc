// Periodic profiles subtract counts (snapshot.cc): BuildProfile with a
// CountsBaseline writes only what came after it, and advances it. Checked on
// a hand-made table, and with a thread adding samples while periods are
// written, as SIGPROF handlers do during a session: every sample lands in
// exactly one period.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "profiler/base/proc_maps.h"
#include "profiler/output/pprof_writer.h"

extern "C" __attribute__((noinline)) int snapshot_test_a(int x) { return x * 3 + 1; }
extern "C" __attribute__((noinline)) int snapshot_test_b(int x) { return x * 5 + 2; }

namespace lcprof {
namespace {

Sample MakeSample(int (*fn)(int), uint64_t cpu_nanos) {
  Sample s{};
  s.tid = 7;
  s.cpu_nanos = cpu_nanos;
  s.frames[s.depth++] = reinterpret_cast<uintptr_t>(fn) + 1;
  return s;
}

struct Totals {
  int64_t samples = 0, cpu = 0, a = 0, b = 0, lost = 0;
};

Totals Build(const StackTable& t, CountsBaseline* baseline) {
  Symbolizer sym(ReadProcMaps());
  ProfileMeta meta;
  pprof::ProfileModel p = BuildProfile(t, {}, meta, sym, baseline);
  Totals out;
  for (const pprof::Sample& s : p.sample) {
    out.samples += s.value[0];
    out.cpu += s.value[1];
    const pprof::Location& l = p.location[s.location_id[0] - 1];
    const std::string& name = p.string_table[p.function[l.line[0].function_id - 1].name];
    if (name == "snapshot_test_a") out.a += s.value[0];
    if (name == "snapshot_test_b") out.b += s.value[0];
    if (name == "[lost: stack table full]") out.lost += s.value[0];
  }
  return out;
}

TEST(SnapshotCountsTest, APeriodHoldsOnlyWhatCameAfterTheLastOne) {
  StackTable t(1);  // one stack: b's samples are lost, and counted as such
  CountsBaseline baseline;
  for (int i = 0; i < 3; ++i) t.Add(MakeSample(snapshot_test_a, 10));
  Totals first = Build(t, &baseline);
  EXPECT_EQ(first.a, 3);
  EXPECT_EQ(first.cpu, 30);
  Totals empty = Build(t, &baseline);
  EXPECT_EQ(empty.samples, 0);  // nothing new: no sample at all
  t.Add(MakeSample(snapshot_test_a, 10));
  t.Add(MakeSample(snapshot_test_b, 5));
  t.Add(MakeSample(snapshot_test_b, 5));
  Totals second = Build(t, &baseline);
  EXPECT_EQ(second.a, 1);
  EXPECT_EQ(second.lost, 2);
  EXPECT_EQ(second.cpu, 20);
  Totals whole = Build(t, nullptr);  // a snapshot of everything
  EXPECT_EQ(whole.a, 4);
  EXPECT_EQ(whole.lost, 2);
}

TEST(SnapshotCountsTest, PeriodsWrittenWhileSamplesArriveAddUpExactly) {
  StackTable t(16);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> added{0};
  std::thread adder([&] {
    for (int i = 0; !stop.load(std::memory_order_relaxed); ++i) {
      t.Add(MakeSample(i % 2 == 0 ? snapshot_test_a : snapshot_test_b, 3));
      added.fetch_add(1, std::memory_order_relaxed);
    }
  });
  CountsBaseline baseline;
  Totals sum;
  int periods_with_samples = 0;
  for (int period = 0; period < 20; ++period) {
    usleep(2000);
    Totals p = Build(t, &baseline);
    sum.samples += p.samples;
    sum.cpu += p.cpu;
    if (p.samples > 0) ++periods_with_samples;
  }
  stop = true;
  adder.join();
  Totals last = Build(t, &baseline);  // the final period, once nothing adds
  sum.samples += last.samples;
  sum.cpu += last.cpu;
  EXPECT_EQ(sum.samples, added.load());
  EXPECT_EQ(sum.cpu, 3 * added.load());
  EXPECT_GT(periods_with_samples, 1);
}

}  // namespace
}  // namespace lcprof
