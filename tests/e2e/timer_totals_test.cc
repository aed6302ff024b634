// The timer engines end to end (issue 5; docs/timers.md): profile totals
// against the process's own getrusage CPU in every mode, rate and thread
// count; fairness between threads; thousands of short-lived threads; threads
// that existed before profiling started; a forked child's own timer; and
// the achieved rate of the perf engine. Bounds are several standard errors
// wide (see the comment on each); the measured figures are in docs/timers.md.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "tests/e2e/e2e_util.h"

namespace lcprof::e2e {
namespace {

struct Totals {
  long long samples = 0;
  double cpu_nanos = 0;
};

// Sums the sample values of `go tool pprof -raw` (count, cpu nanoseconds).
Totals RawTotals(const std::string& profile) {
  RunResult r = RunProgram({GO_PATH, "tool", "pprof", "-raw", profile});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Totals t;
  std::istringstream lines(r.out);
  std::string line;
  bool in_samples = false;
  while (std::getline(lines, line)) {
    if (line.rfind("Samples:", 0) == 0) {
      in_samples = true;
      std::getline(lines, line);  // the value types
      continue;
    }
    if (line.rfind("Locations", 0) == 0) break;
    if (!in_samples || line.find(':') == std::string::npos) continue;
    std::istringstream fields(line);
    long long count = 0;
    double cpu = 0;
    if (fields >> count >> cpu) {
      t.samples += count;
      t.cpu_nanos += cpu;
    }
  }
  return t;
}

// The "cum" CPU (ms) of function `fn` in `go tool pprof -top`.
double CumMillis(const std::string& profile, const std::string& fn) {
  RunResult r = RunProgram({GO_PATH, "tool", "pprof", "-top", "-sample_index=cpu", "-unit=ms",
                            "-nodecount=500", "-symbolize=none", profile});
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::string flat, flat_pct, sum_pct, cum, cum_pct, name;
    if (f >> flat >> flat_pct >> sum_pct >> cum >> cum_pct >> name && name == fn) {
      return std::atof(cum.c_str());
    }
  }
  return 0;
}

// "cpu_ns=N" (or "child_cpu_ns=N") from the load's stdout.
double PrintedNanos(const std::string& out, const std::string& key) {
  size_t at = out.find(key + "=");
  return at == std::string::npos ? -1 : std::atof(out.c_str() + at + key.size() + 1);
}

struct Case {
  const char* timer;
  int hz;
  int threads;
};

class TimerTotalsTest : public ::testing::TestWithParam<Case> {};

// Threads made before lcprof_start ("pre"): totals within 3% of the
// process's user+sys CPU over the profiled window, and their stacks walked
// past the leaf (the stack-bounds handshake). Sampling error: the itimer
// weighs exact process CPU deltas; per-thread timers are exact to one
// period per thread (8 x 1 ms of 2 s at worst at 1000 Hz; the random phase
// makes the 100 Hz error about 3 ms per thread, 0.4% of 2 s).
TEST_P(TimerTotalsTest, TotalMatchesGetrusage) {
  const Case c = GetParam();
  TempDir dir;
  const std::string seconds = c.threads == 1 ? "1" : "0.25";
  RunResult r =
      RunProgram({TIMER_LOAD_PATH, "pre", std::to_string(c.threads), seconds, dir.File("t.pb.gz")},
                 {{"TIMER_LOAD_TIMER", c.timer}, {"TIMER_LOAD_HZ", std::to_string(c.hz)}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double cpu = PrintedNanos(r.out, "cpu_ns");
  const Totals t = RawTotals(dir.File("t.pb.gz"));
  EXPECT_NEAR(t.cpu_nanos / cpu, 1.0, 0.03) << "profile " << t.cpu_nanos << " ns, getrusage " << cpu
                                            << " ns, " << t.samples << " samples";
  auto traces = ReadTraces(dir.File("t.pb.gz"));
  const long long hot = CountWith(traces, "pre_hot");
  EXPECT_GE(CountWithChain(traces, {"pre_hot", "run_job"}) * 10, hot * 9)
      << PprofTop(dir.File("t.pb.gz"));
}

INSTANTIATE_TEST_SUITE_P(Modes, TimerTotalsTest,
                         ::testing::Values(Case{"itimer", 100, 1}, Case{"itimer", 100, 8},
                                           Case{"itimer", 1000, 1}, Case{"itimer", 1000, 8},
                                           Case{"thread", 100, 1}, Case{"thread", 100, 8},
                                           Case{"thread", 1000, 1}, Case{"thread", 1000, 8},
                                           Case{"perf", 100, 1}, Case{"perf", 100, 8},
                                           Case{"perf", 1000, 1}, Case{"perf", 1000, 8}),
                         [](const ::testing::TestParamInfo<Case>& p) {
                           return std::string(p.param.timer) + "_" + std::to_string(p.param.hz) +
                                  "hz_" + std::to_string(p.param.threads) + "threads";
                         });

class TimerModeTest : public ::testing::TestWithParam<const char*> {};

// Two threads burning 3:1 (0.9 s and 0.3 s, concurrently, LD_PRELOAD-style
// start) show 3:1 within 5%. Per-thread engines weigh each thread's own CPU
// to one period; the itimer's ~250 signals per CPU-second split the overlap
// by which thread the tick lands on (about 150 samples for burn_one: 2.5%
// relative standard error on its 0.3 s).
TEST_P(TimerModeTest, ThreadsBurningThreeToOneShowThreeToOne) {
  TempDir dir;
  RunResult r = RunProgram(
      {TIMER_LOAD_PATH, "fair", "0.3"},
      {{"LCPROF_OUT", dir.File("f.pb.gz")}, {"LCPROF_TIMER", GetParam()}, {"LCPROF_HZ", "1000"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double three = CumMillis(dir.File("f.pb.gz"), "burn_three");
  const double one = CumMillis(dir.File("f.pb.gz"), "burn_one");
  ASSERT_GT(one, 0) << PprofTop(dir.File("f.pb.gz"));
  EXPECT_NEAR(three / one, 3.0, 0.15) << three << " ms vs " << one << " ms";
}

// A forked child profiles itself with a timer of its own (its file is
// "<file>.<pid>"); its total matches its own CPU within 10%.
TEST_P(TimerModeTest, ForkedChildHasItsOwnWorkingTimer) {
  TempDir dir;
  RunResult r = RunProgram(
      {TIMER_LOAD_PATH, "fork", "0.4"},
      {{"LCPROF_OUT", dir.File("k.pb.gz")}, {"LCPROF_TIMER", GetParam()}, {"LCPROF_HZ", "1000"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string child;
  for (const std::string& f : dir.List()) {
    if (f.rfind("k.pb.gz.", 0) == 0) child = dir.File(f);
  }
  ASSERT_FALSE(child.empty()) << r.err;
  const double cpu = PrintedNanos(r.out, "child_cpu_ns");
  const Totals t = RawTotals(child);
  EXPECT_NEAR(t.cpu_nanos / cpu, 1.0, 0.10) << t.samples << " samples";
  EXPECT_GE(CountWith(ReadTraces(child), "burn_hot"), 50);  // ~100 at the tick-limited rate
}

INSTANTIATE_TEST_SUITE_P(Modes, TimerModeTest, ::testing::Values("itimer", "thread", "perf"));

class ShortThreadsTest : public ::testing::TestWithParam<const char*> {};

// 10,000 threads of 1 ms each, two at a time: the total stays within 10% of
// getrusage. The per-thread engines are the point (random first expiry, and
// the exit hook settling expiries a tick-checked timer never signalled);
// 1000 Hz keeps the count per thread near 1, so the error is far inside.
TEST_P(ShortThreadsTest, TenThousandOneMillisecondThreadsKeepTheTotal) {
  TempDir dir;
  RunResult r = RunProgram(
      {TIMER_LOAD_PATH, "short", "10000", "1000"},
      {{"LCPROF_OUT", dir.File("s.pb.gz")}, {"LCPROF_TIMER", GetParam()}, {"LCPROF_HZ", "1000"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double cpu = PrintedNanos(r.out, "cpu_ns");
  const Totals t = RawTotals(dir.File("s.pb.gz"));
  EXPECT_NEAR(t.cpu_nanos / cpu, 1.0, 0.10) << t.samples << " samples";
}

INSTANTIATE_TEST_SUITE_P(PerThread, ShortThreadsTest, ::testing::Values("thread", "perf"));

// perf goes far above the tick (~250 Hz here) at 4000 Hz, and `lcprof
// record` says what was asked and what was achieved at the end of its
// summary line. The goal, >= 95% (3800 Hz), is measured in docs/timers.md
// (3980 on a quiet machine); the bound here is generous because a vCPU
// stolen by the hypervisor still advances the task clock, and overflows
// during a steal merge (seen once under ctest -j2 with other load).
TEST(TimerRateTest, PerfAchievesFourThousandHertz) {
  TempDir dir;
  RunResult r = RunProgram({LCPROF_CLI_PATH, "record", "-t", "perf", "-F", "4000", "-o",
                            dir.File("r.pb.gz"), "--", TIMER_LOAD_PATH, "burn", "1", "0.5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t at = r.err.find("; 4000 Hz asked, ");
  ASSERT_NE(at, std::string::npos) << r.err;
  const long achieved = std::atol(r.err.c_str() + at + 17);
  EXPECT_GE(achieved, 3000) << r.err;
  EXPECT_NE(r.err.find("lcprof: "), std::string::npos);
  const Totals t = RawTotals(dir.File("r.pb.gz"));
  EXPECT_GE(t.samples * 1e9 / t.cpu_nanos, 3000.0);
  EXPECT_NE(PprofTop(dir.File("r.pb.gz")).find("requested 4000 Hz, achieved"), std::string::npos);
}

}  // namespace
}  // namespace lcprof::e2e
