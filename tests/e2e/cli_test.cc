// `lcprof record`: the command runs with the profiler, its exit status and
// output pass through, one summary line is printed, bad arguments are refused
// with one line naming them.
#include <gtest/gtest.h>

#include "tests/e2e/e2e_util.h"

namespace lcprof::e2e {
namespace {

TEST(CliTest, RecordsPassesStatusThroughAndSummarises) {
  TempDir dir;
  std::string out = dir.File("cli.pb.gz");
  RunResult r = RunProgram(
      {LCPROF_CLI_PATH, "record", "-o", out, "-F", "200", "--", WORKLOAD_PATH, "burn", "0.5", "9"});
  EXPECT_EQ(r.exit_code, 9);
  EXPECT_EQ(r.out.rfind("workload: done burn", 0), 0u) << r.out;
  // stderr: the program's own line, then exactly one summary line.
  ASSERT_EQ(r.err.rfind("workload: starting burn\n", 0), 0u) << r.err;
  std::string summary = r.err.substr(std::string("workload: starting burn\n").size());
  EXPECT_EQ(std::count(summary.begin(), summary.end(), '\n'), 1) << summary;
  EXPECT_EQ(summary.rfind("lcprof: ", 0), 0u) << summary;
  EXPECT_EQ(summary.rfind("lcprof: 1 process, ", 0), 0u) << summary;
  EXPECT_NE(summary.find(" samples (0 lost) -> " + out + "; view: go tool pprof -top " + out),
            std::string::npos)
      << summary;
  auto traces = ReadTraces(out);
  long long n = std::atoll(summary.substr(summary.find(", ") + 2).c_str());
  EXPECT_EQ(n, TotalCount(traces));
  EXPECT_GE(CountWithChain(traces, {"burn_hot", "burn_caller", "main"}), n * 9 / 10);
}

// A stack table too small for the program's stacks: samples of stacks it had
// no room for are counted, shown as one [lost: stack table full] sample with
// the CPU they stood for, and reported as lost in the summary line. Five
// threads (the thread is part of a stack's key) never fit in one stack.
TEST(CliTest, StacksBeyondTheLimitAreCountedAsLostAndShown) {
  TempDir dir;
  std::string out = dir.File("lost.pb.gz");
  RunResult r = RunProgram({LCPROF_CLI_PATH, "record", "-o", out, "--stacks", "1", "--",
                            WORKLOAD_PATH, "threads", "0.3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t at = r.err.find("lcprof: 1 process, ");
  ASSERT_NE(at, std::string::npos) << r.err;
  const long long kept = std::atoll(r.err.c_str() + at + 19);
  const size_t lost_at = r.err.find(" samples (", at);
  ASSERT_NE(lost_at, std::string::npos) << r.err;
  const long long lost = std::atoll(r.err.c_str() + lost_at + 10);
  EXPECT_GE(kept, 1) << r.err;
  EXPECT_GE(lost, 20) << r.err;  // 4 threads x 0.3 s at 100 Hz, all but one stack's
  auto traces = ReadTraces(out);
  EXPECT_EQ(TotalCount(traces), kept + lost);
  long long shown_lost = 0;
  for (const Trace& t : traces) {
    if (t.frames.front() == "[lost: stack table full]") {
      EXPECT_EQ(t.frames.size(), 1u);
      shown_lost += t.count;
    }
  }
  EXPECT_EQ(shown_lost, lost);
  // The lost samples keep their CPU time: the profile's total stays whole.
  long long cpu_us = TotalCount(ReadCpuTraces(out));
  EXPECT_GE(cpu_us, 4 * 300000 * 8 / 10) << PprofTop(out);
}

// The command is the root of its tree: its profile is written even without
// a sample (at 1 Hz /bin/true gets none), and says why it is empty.
TEST(CliTest, ACommandWithoutSamplesStillGetsItsProfile) {
  TempDir dir;
  std::string out = dir.File("empty.pb.gz");
  RunResult r = RunProgram({LCPROF_CLI_PATH, "record", "-F", "1", "-o", out, "--", "/bin/true"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.rfind("lcprof: 1 process, 0 samples (0 lost) -> " + out, 0), 0u) << r.err;
  EXPECT_EQ(dir.List(), std::vector<std::string>{"empty.pb.gz"});
  EXPECT_NE(PprofTop(out).find(": no samples: the process used"), std::string::npos);
}

TEST(CliTest, CommandKilledBySignalIsReportedTheSameWay) {
  TempDir dir;
  RunResult r = RunProgram(
      {LCPROF_CLI_PATH, "record", "-o", dir.File("k.pb.gz"), "--", "sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(r.exit_code, 128 + SIGTERM);
  EXPECT_EQ(r.err, "lcprof: no profile: the command was killed by signal 15 (Terminated)\n");
  EXPECT_EQ(dir.List(), std::vector<std::string>{});
}

// --libcalls is checked before anything runs, like every other option.
TEST(CliTest, UnknownLibcallsAreRefused) {
  TempDir dir;
  RunResult r = RunProgram(
      {LCPROF_CLI_PATH, "record", "--libcalls", "read,frobnicate", "--", "touch", dir.File("ran")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("'frobnicate'"), std::string::npos) << r.err;
  EXPECT_FALSE(FileExists(dir.File("ran")));
  r = RunProgram({LCPROF_CLI_PATH, "record", "-o", dir.File("l.pb.gz"), "--libcalls", "read,write",
                  "--", "true"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// An output file lcprof could not write is refused before the command runs.
TEST(CliTest, UnwritableOutputIsRefusedBeforeTheCommandRuns) {
  TempDir dir;
  RunResult r = RunProgram({LCPROF_CLI_PATH, "record", "-o", dir.File("no/such/dir/p.pb.gz"), "--",
                            "touch", dir.File("ran")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("no/such/dir"), std::string::npos) << r.err;
  EXPECT_FALSE(FileExists(dir.File("ran")));
}

TEST(CliTest, UnknownOptionIsRefusedAndNothingRuns) {
  TempDir dir;
  RunResult r = RunProgram({LCPROF_CLI_PATH, "record", "-x", "--", "touch", dir.File("ran")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("'-x'"), std::string::npos) << r.err;
  EXPECT_FALSE(FileExists(dir.File("ran")));
}

TEST(CliTest, MissingCommandAndBadRateAreRefused) {
  RunResult r = RunProgram({LCPROF_CLI_PATH, "record", "--"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no command"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = RunProgram({LCPROF_CLI_PATH, "record", "-F", "0", "--", "true"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("-F '0'"), std::string::npos) << r.err;
  r = RunProgram({LCPROF_CLI_PATH, "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'frobnicate'"), std::string::npos) << r.err;
}

TEST(CliTest, CommandThatCannotRunGives127) {
  TempDir dir;
  RunResult r = RunProgram(
      {LCPROF_CLI_PATH, "record", "-o", dir.File("n.pb.gz"), "--", "/nonexistent/program"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("/nonexistent/program"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lcprof::e2e
