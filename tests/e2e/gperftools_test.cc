// The gperftools drop-in: programs written for gperftools' CPU profiler,
// built unchanged against lcprof, linked and preloaded, driven by the API or
// by gperftools' environment variables alone. Their profiles are read back
// with libprotobuf (profile_reader.h) and must name the programs' functions.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/e2e/e2e_util.h"
#include "tests/e2e/profile_reader.h"

namespace lcprof::e2e {
namespace {

TEST(GperftoolsTest, ApiProgramLinkedWritesPprofAndFlushes) {
  TempDir dir;
  const std::string out = dir.File("api.prof");
  RunResult r = RunProgram({GPERF_API_PATH, out});
  ASSERT_EQ(r.exit_code, 0) << r.err;  // other codes name the API check that failed
  EXPECT_EQ(r.out, "gperf_api: ok\n");
  // ProfilerFlush wrote what had been sampled by then, and only that.
  DecodedProfile flushed = DecodeProfile(out + ".flushed");
  ASSERT_TRUE(flushed.ok);
  EXPECT_GT(flushed.SamplesIn("gperf_before_flush"), 0);
  EXPECT_EQ(flushed.SamplesIn("gperf_after_flush"), 0);
  // ProfilerStop wrote the whole run.
  DecodedProfile whole = DecodeProfile(out);
  ASSERT_TRUE(whole.ok);
  EXPECT_GT(whole.SamplesIn("gperf_before_flush"), 0);
  EXPECT_GT(whole.SamplesIn("gperf_after_flush"), 0);
  EXPECT_GE(whole.samples, flushed.samples);
  EXPECT_TRUE(whole.functions.count("main"));
}

TEST(GperftoolsTest, CpuprofileAloneProfilesALinkedProgram) {
  TempDir dir;
  const std::string out = dir.File("linked.prof");
  RunResult r =
      RunProgram({GPERF_ENV_LINKED_PATH}, {{"CPUPROFILE", out}, {"CPUPROFILE_FREQUENCY", "250"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "gperf_env: ok\n");
  EXPECT_EQ(r.err, "");
  DecodedProfile p = DecodeProfile(out);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.period, 4000000);  // 250 Hz
  EXPECT_GT(p.SamplesIn("gperf_env_hot"), 0);
  EXPECT_GE(p.SamplesIn("gperf_env_hot") * 10, p.samples * 9);
}

TEST(GperftoolsTest, CpuprofilePreloadedWithPidAndPerThreadTimers) {
  TempDir dir;
  RunResult r = RunProgram({GPERF_ENV_PATH}, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                              {"CPUPROFILE", dir.File("pre.prof")},
                                              {"CPUPROFILE_USE_PID", "1"},
                                              {"CPUPROFILE_PER_THREAD_TIMERS", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "gperf_env: ok\n");
  // gperftools' unique name: "<file>_<pid>".
  std::vector<std::string> files = dir.List();
  auto it = std::find_if(files.begin(), files.end(),
                         [](const std::string& f) { return f.rfind("pre.prof_", 0) == 0; });
  ASSERT_NE(it, files.end()) << ::testing::PrintToString(files);
  EXPECT_FALSE(FileExists(dir.File("pre.prof")));
  DecodedProfile p = DecodeProfile(dir.File(*it));
  ASSERT_TRUE(p.ok);
  EXPECT_TRUE(HasComment(p, "timer thread")) << ::testing::PrintToString(p.comments);
  EXPECT_GT(p.SamplesIn("gperf_env_hot"), 0);
}

TEST(GperftoolsTest, LcprofVariablesWinOverGperftoolsOnes) {
  TempDir dir;
  RunResult r = RunProgram({GPERF_ENV_PATH}, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                              {"LCPROF_OUT", dir.File("lc.pb.gz")},
                                              {"LCPROF_HZ", "200"},
                                              {"CPUPROFILE", dir.File("gp.prof")},
                                              {"CPUPROFILE_FREQUENCY", "50"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(FileExists(dir.File("gp.prof")));
  DecodedProfile p = DecodeProfile(dir.File("lc.pb.gz"));
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.period, 5000000);  // 200 Hz
}

TEST(GperftoolsTest, ProfilingSignalTogglesSessionsIntoNumberedFiles) {
  TempDir dir;
  const std::string base = dir.File("sig.prof");
  RunResult r = RunProgram(
      {SNAPSHOT_PROG_PATH, "toggle", "12", base + ".0"},
      {{"LD_PRELOAD", LCPROF_LIB_PATH}, {"CPUPROFILE", base}, {"CPUPROFILESIGNAL", "12"}}, 60);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "snapshot_prog: toggle done\n");
  EXPECT_FALSE(FileExists(base));  // nothing starts before the signal
  DecodedProfile p = DecodeProfile(base + ".0");
  ASSERT_TRUE(p.ok);
  EXPECT_GT(p.SamplesIn("phase_one"), 0);
  EXPECT_EQ(p.SamplesIn("phase_two"), 0);  // stopped by the second signal
  EXPECT_FALSE(FileExists(base + ".1"));
}

TEST(GperftoolsTest, BadGperftoolsVariablesAreOneLineEachAndTheProgramRuns) {
  TempDir dir;
  RunResult r = RunProgram({GPERF_ENV_PATH}, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                              {"CPUPROFILE", dir.File("bad.prof")},
                                              {"CPUPROFILESIGNAL", "SIGNOPE"}});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "gperf_env: ok\n");
  EXPECT_EQ(r.err,
            "lcprof: CPUPROFILESIGNAL='SIGNOPE' is not a signal lcprof can use (a number or a "
            "name such as USR2); not profiling\n");
  EXPECT_TRUE(dir.List().empty());

  r = RunProgram({GPERF_ENV_PATH}, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                    {"CPUPROFILE", dir.File("f.prof")},
                                    {"CPUPROFILE_FREQUENCY", "fast"}});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("CPUPROFILE_FREQUENCY='fast'"), std::string::npos) << r.err;
  EXPECT_EQ(DecodeProfile(dir.File("f.prof")).period, 10000000);  // the default, 100 Hz
}

}  // namespace
}  // namespace lcprof::e2e
