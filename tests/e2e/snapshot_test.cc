// Snapshots of long-running processes: LCPROF_PERIOD (one numbered profile
// per period), LCPROF_FLUSH_SIGNAL (the profile so far, without stopping),
// LCPROF_ON_TERM (write, then die of SIGTERM/SIGINT as without lcprof).
// ProfilerFlush is in gperftools_test. Profiles are read with libprotobuf.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>

#include "tests/e2e/e2e_util.h"
#include "tests/e2e/profile_reader.h"

namespace lcprof::e2e {
namespace {

// The root claim is a symbolic link to a pid (preload_init.cc): lstat, not stat.
bool ClaimExists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

RunResult RunSnapshotProg(const std::vector<std::string>& args,
                          std::map<std::string, std::string> env, bool preload = true) {
  std::vector<std::string> argv = {SNAPSHOT_PROG_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  if (preload) env["LD_PRELOAD"] = LCPROF_LIB_PATH;
  return RunProgram(argv, env, 120);
}

TEST(SnapshotTest, PeriodWritesNumberedProfilesThatTileTheRun) {
  TempDir dir;
  RunResult r =
      RunSnapshotProg({"period"}, {{"LCPROF_OUT", dir.File("p.pb.gz")}, {"LCPROF_PERIOD", "0.25"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "snapshot_prog: period done\n");
  EXPECT_EQ(r.err, "");
  std::vector<DecodedProfile> periods;
  for (int n = 1; FileExists(dir.File("p." + std::to_string(n) + ".pb.gz")); ++n) {
    periods.push_back(DecodeProfile(dir.File("p." + std::to_string(n) + ".pb.gz")));
    ASSERT_TRUE(periods.back().ok) << n;
  }
  // 2 s of CPU, so at least 8 periods of 0.25 s of wall time.
  ASSERT_GE(periods.size(), 8u);
  DecodedProfile whole = DecodeProfile(dir.File("p.pb.gz"));
  ASSERT_TRUE(whole.ok);
  int64_t samples = 0;
  for (size_t i = 0; i < periods.size(); ++i) {
    EXPECT_GT(periods[i].duration_nanos, 0) << i;
    // Each period starts where the one before it ended.
    if (i > 0) {
      EXPECT_EQ(periods[i].time_nanos, periods[i - 1].time_nanos + periods[i - 1].duration_nanos)
          << i;
    }
    samples += periods[i].samples;
  }
  EXPECT_EQ(periods.front().time_nanos, whole.time_nanos);
  // Each sample is in exactly one period.
  EXPECT_EQ(samples, whole.samples);
  // The first period saw only phase one, the last only phase two.
  EXPECT_GT(periods.front().SamplesIn("phase_one"), 0);
  EXPECT_EQ(periods.front().SamplesIn("phase_two"), 0);
  EXPECT_GT(
      periods.back().SamplesIn("phase_two") + periods[periods.size() - 2].SamplesIn("phase_two"),
      0);
  EXPECT_EQ(periods.back().SamplesIn("phase_one"), 0);
  EXPECT_GT(whole.SamplesIn("phase_one"), 0);
  EXPECT_GT(whole.SamplesIn("phase_two"), 0);
}

TEST(SnapshotTest, FlushSignalWritesTheProfileSoFarWithoutStopping) {
  TempDir dir;
  const std::string out = dir.File("f.pb.gz");
  RunResult r = RunSnapshotProg({"flush", std::to_string(SIGUSR1), out},
                                {{"LCPROF_OUT", out}, {"LCPROF_FLUSH_SIGNAL", "USR1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "snapshot_prog: flush done\n");
  EXPECT_EQ(r.err, "");
  DecodedProfile snap = DecodeProfile(out + ".snap");
  ASSERT_TRUE(snap.ok);
  EXPECT_GT(snap.SamplesIn("phase_one"), 0);
  EXPECT_EQ(snap.SamplesIn("phase_two"), 0);
  DecodedProfile whole = DecodeProfile(out);
  ASSERT_TRUE(whole.ok);
  EXPECT_EQ(whole.time_nanos, snap.time_nanos);  // one session, still running at the flush
  EXPECT_GT(whole.duration_nanos, snap.duration_nanos);
  EXPECT_GE(whole.SamplesIn("phase_one"), snap.SamplesIn("phase_one"));
  EXPECT_GT(whole.SamplesIn("phase_two"), 0);
}

TEST(SnapshotTest, FlushSignalTheProgramHandlesStaysTheProgramsBusiness) {
  TempDir dir;
  // SIGTERM is handled by snapshot_prog itself in this mode.
  RunResult r = RunSnapshotProg(
      {"term-handled"}, {{"LCPROF_OUT", dir.File("h.pb.gz")}, {"LCPROF_FLUSH_SIGNAL", "TERM"}});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out, "handled\n");
}

// Without lcprof the program dies of `sig`; with LCPROF_ON_TERM=1 it still
// does, and the profile holds what ran before.
void ExpectWritesThenDies(int sig) {
  TempDir dir;
  RunResult plain = RunSnapshotProg({"term", std::to_string(sig)}, {}, /*preload=*/false);
  ASSERT_EQ(plain.exit_code, 128 + sig);
  RunResult r = RunSnapshotProg({"term", std::to_string(sig)},
                                {{"LCPROF_OUT", dir.File("t.pb.gz")}, {"LCPROF_ON_TERM", "1"}});
  EXPECT_EQ(r.exit_code, plain.exit_code) << r.err;
  EXPECT_EQ(r.out, plain.out);
  DecodedProfile p = DecodeProfile(dir.File("t.pb.gz"));
  ASSERT_TRUE(p.ok) << r.err;
  EXPECT_GT(p.SamplesIn("phase_one"), 0);
  EXPECT_FALSE(ClaimExists(dir.File(".t.pb.gz.lcprof-root")));  // exit's clean-up ran too
  // Without the variable, the signal kills the process before any write.
  RunResult off =
      RunSnapshotProg({"term", std::to_string(sig)}, {{"LCPROF_OUT", dir.File("o.pb.gz")}});
  EXPECT_EQ(off.exit_code, 128 + sig);
  EXPECT_FALSE(FileExists(dir.File("o.pb.gz")));
}

TEST(SnapshotTest, OnTermWritesThenDiesOfSigterm) { ExpectWritesThenDies(SIGTERM); }
TEST(SnapshotTest, OnTermWritesThenDiesOfSigint) { ExpectWritesThenDies(SIGINT); }

TEST(SnapshotTest, OnTermLeavesTheProgramsOwnHandlerAlone) {
  TempDir dir;
  RunResult plain = RunSnapshotProg({"term-handled"}, {}, /*preload=*/false);
  ASSERT_EQ(plain.exit_code, 3);
  RunResult r = RunSnapshotProg({"term-handled"},
                                {{"LCPROF_OUT", dir.File("h.pb.gz")}, {"LCPROF_ON_TERM", "1"}});
  EXPECT_EQ(r.exit_code, plain.exit_code) << r.err;
  EXPECT_EQ(r.out, plain.out);
  EXPECT_EQ(r.err, "");
  DecodedProfile p = DecodeProfile(dir.File("h.pb.gz"));  // written by exit(), as ever
  ASSERT_TRUE(p.ok);
  EXPECT_GT(p.SamplesIn("phase_one"), 0);
}

TEST(SnapshotTest, BadSnapshotVariablesAreOneLineEachAndTheProgramRuns) {
  TempDir dir;
  RunResult r = RunSnapshotProg({"period"}, {{"LCPROF_OUT", dir.File("b.pb.gz")},
                                             {"LCPROF_PERIOD", "soon"},
                                             {"LCPROF_FLUSH_SIGNAL", "SIGPROF"},
                                             {"LCPROF_ON_TERM", "yes"}});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "snapshot_prog: period done\n");
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 3) << r.err;
  for (const char* v :
       {"LCPROF_PERIOD='soon'", "LCPROF_FLUSH_SIGNAL='SIGPROF'", "LCPROF_ON_TERM='yes'"}) {
    EXPECT_NE(r.err.find(v), std::string::npos) << r.err;
  }
  EXPECT_TRUE(DecodeProfile(dir.File("b.pb.gz")).ok);
  EXPECT_FALSE(FileExists(dir.File("b.1.pb.gz")));
}

TEST(SnapshotTest, DescendantsWithoutSamplesLeaveNoPeriodFiles) {
  TempDir dir;
  RunResult r =
      RunSnapshotProg({"fork-idle"}, {{"LCPROF_OUT", dir.File("s.pb.gz")}, {"LCPROF_PERIOD", "5"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "snapshot_prog: fork-idle done\n");
  // The root writes its profile and its one (partial) period; the child got
  // no sample, so it writes nothing, periods included.
  EXPECT_EQ(dir.List(), (std::vector<std::string>{"s.1.pb.gz", "s.pb.gz"}));
}

TEST(SnapshotTest, LcprofsThreadRunsOnlyWhenASnapshotIsAskedFor) {
  TempDir dir;
  auto threads = [&dir](std::map<std::string, std::string> env) {
    env["LD_PRELOAD"] = LCPROF_LIB_PATH;
    env["LCPROF_OUT"] = dir.File("w.pb.gz");
    RunResult r = RunProgram({WORKLOAD_PATH, "alone", "0.05"}, env);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const size_t at = r.out.find("workload: ");
    return at == std::string::npos ? std::string() : r.out.substr(at, r.out.find('\n') - at);
  };
  EXPECT_EQ(threads({}), "workload: 1 thread(s)");
  EXPECT_EQ(threads({{"CPUPROFILE_FREQUENCY", "200"}}), "workload: 1 thread(s)");
  EXPECT_EQ(threads({{"LCPROF_PERIOD", "60"}}), "workload: 2 thread(s)");
  EXPECT_EQ(threads({{"LCPROF_FLUSH_SIGNAL", "USR1"}}), "workload: 2 thread(s)");
  EXPECT_EQ(threads({{"LCPROF_ON_TERM", "1"}}), "workload: 2 thread(s)");
}

}  // namespace
}  // namespace lcprof::e2e
