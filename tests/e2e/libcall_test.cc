// The libcall contract end to end, under LD_PRELOAD: every wrapped call is
// transparent, the selection variable, a program's own SIGPROF use, and the
// work that a blind "charge it to the wrapped call" rule would hide: a signal
// handler running while its thread blocks in read(), an atexit handler
// running inside exit(). Their shares must match the truth the program
// measures with CLOCK_THREAD_CPUTIME_ID.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <sstream>

#include "tests/e2e/e2e_util.h"

namespace lcprof::e2e {
namespace {

std::map<std::string, double> ParseTruth(const std::string& out) {
  std::map<std::string, double> truth;
  std::istringstream in(out);
  std::string word, name;
  double value = 0;
  while (in >> word) {
    if (word == "truth" && in >> name >> value) truth[name] = value;
  }
  return truth;
}

double SharePercent(const std::vector<Trace>& traces, const std::string& fn) {
  long long total = TotalCount(traces);
  return total == 0
             ? 0
             : 100.0 * static_cast<double>(CountWith(traces, fn)) / static_cast<double>(total);
}

class HandlerShareTest : public ::testing::TestWithParam<const char*> {};

TEST_P(HandlerShareTest, HandlerAndAtexitWorkKeepTheirTrueShareAndChains) {
  TempDir dir;
  std::string profile = dir.File("h.pb.gz");
  RunResult r = RunProgram({LIBCALL_HANDLER_PATH, "100"}, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                                           {"LCPROF_OUT", profile},
                                                           {"LCPROF_HZ", "1000"},
                                                           {"LCPROF_UNWIND", GetParam()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto truth = ParseTruth(r.out);
  ASSERT_EQ(truth.size(), 3u) << r.out;
  auto traces = ReadTraces(profile);
  std::string top = PprofTop(profile);
  for (const char* fn : {"handler_burn", "main_burn", "atexit_burn"}) {
    EXPECT_NEAR(SharePercent(traces, fn), truth[fn], 3.0) << fn << "\n" << top;
  }
  long long handler = CountWith(traces, "handler_burn");
  long long at_exit = CountWith(traces, "atexit_burn");
  EXPECT_GE(CountWithChain(traces, {"handler_burn", "on_usr1", "[signal]", "read", "blocked_reader",
                                    "reader_main"}) *
                100,
            handler * 95)
      << top;
  EXPECT_GE(CountWithChain(traces, {"atexit_burn", "on_exit_handler"}) * 100, at_exit * 95) << top;
  EXPECT_GE(CountWithChain(traces, {"on_exit_handler", "exit", "main"}) * 100, at_exit * 90) << top;
}

INSTANTIATE_TEST_SUITE_P(Unwinders, HandlerShareTest, ::testing::Values("fp", "hybrid"));

// The issue's bar: CPU mostly inside wrapped calls, frame-pointer walker
// only, each caller's share within 2 points of the truth.
TEST(LibcallTest, FramePointerWalkerChargesEachWrappedCallToItsCaller) {
  TempDir dir;
  std::string profile = dir.File("c.pb.gz");
  RunResult r = RunProgram({LIBCALL_CALLERS_PATH, "4"}, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                                         {"LCPROF_OUT", profile},
                                                         {"LCPROF_HZ", "1000"},
                                                         {"LCPROF_UNWIND", "fp"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto truth = ParseTruth(r.out);
  ASSERT_EQ(truth.size(), 5u) << r.out;
  auto traces = ReadTraces(profile);
  std::string top = PprofTop(profile);
  for (const auto& [caller, percent] : truth) {
    EXPECT_NEAR(SharePercent(traces, caller), percent, 2.0) << caller << "\n" << top;
  }
  // Inside the wrapped calls, the caller is right there above the call.
  const std::map<std::string, std::string> caller_of = {{"read", "call_read"},
                                                        {"write", "call_write"},
                                                        {"getpid", "call_getpid"},
                                                        {"pthread_mutex_lock", "call_mutex"},
                                                        {"pthread_mutex_unlock", "call_mutex"},
                                                        {"mmap", "call_mmap"},
                                                        {"munmap", "call_mmap"}};
  long long inside = 0, right = 0;
  for (const Trace& t : traces) {
    for (size_t i = 0; i + 1 < t.frames.size() && i < 3; ++i) {
      auto it = caller_of.find(t.frames[i]);
      if (it == caller_of.end()) continue;
      inside += t.count;
      if (t.frames[i + 1] == it->second) right += t.count;
      break;
    }
  }
  EXPECT_GE(inside, TotalCount(traces) / 2) << top;
  EXPECT_GE(right * 100, inside * 98) << top;
}

// A build with distribution flags reaches read, open, mmap and fcntl through
// __read_chk, __open64_2, open64, mmap64 and fcntl64; each must publish its
// caller like the plain call, under the plain call's name.
TEST(LibcallTest, FortifiedAndLargeFileEntryPointsChargeTheirCaller) {
  RunResult nm = RunProgram({"nm", "-D", "--undefined-only", LIBCALL_FORTIFIED_PATH});
  ASSERT_EQ(nm.exit_code, 0) << nm.err;
  for (const char* symbol : {" __read_chk", " __open64_2", " open64", " mmap64", " fcntl64"}) {
    EXPECT_NE(nm.out.find(std::string(symbol) + "@"), std::string::npos) << symbol << "\n"
                                                                         << nm.out;
  }
  for (const char* symbol : {" read@", " open@", " mmap@", " fcntl@"}) {
    EXPECT_EQ(nm.out.find(symbol), std::string::npos) << symbol << "\n" << nm.out;
  }
  TempDir dir;
  std::string profile = dir.File("f.pb.gz");
  RunResult r = RunProgram({LIBCALL_FORTIFIED_PATH, "3"}, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                                           {"LCPROF_OUT", profile},
                                                           {"LCPROF_HZ", "1000"},
                                                           {"LCPROF_UNWIND", "fp"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "done\n");
  auto traces = ReadTraces(profile);
  std::string top = PprofTop(profile);
  const std::map<std::string, std::vector<std::string>> callers_of = {
      {"read", {"call_read"}},
      {"open", {"call_open", "call_open_create"}},
      {"mmap", {"call_mmap"}},
      {"fcntl", {"call_fcntl"}}};
  std::map<std::string, long long> inside, right;
  for (const Trace& t : traces) {
    // The call's name is the leaf, or right above the libc helper it was in.
    for (size_t i = 0; i + 1 < t.frames.size() && i < 3; ++i) {
      auto it = callers_of.find(t.frames[i]);
      if (it == callers_of.end()) continue;
      inside[it->first] += t.count;
      for (const std::string& caller : it->second) {
        if (t.frames[i + 1] == caller) right[it->first] += t.count;
      }
      break;
    }
  }
  for (const auto& [call, callers] : callers_of) {
    EXPECT_GE(inside[call], 20) << call << "\n" << top;
    EXPECT_GE(right[call] * 100, inside[call] * 98) << call << "\n" << top;
  }
}

// execveat is guarded like execve: profiling stops and its pending signals
// are drained first, so the new image (here not preloaded) is not killed by
// the ITIMER_PROF that survives exec; and the old image's profile is written.
TEST(LibcallTest, ExecveatStopsProfilingBeforeTheNewImageRuns) {
  TempDir dir;
  RunResult r = RunProgram({EXEC_AT_PATH, WORKLOAD_PATH, "burn", "0.5", "7"},
                           {{"LD_PRELOAD", LCPROF_LIB_PATH},
                            {"LCPROF_OUT", dir.File("e.pb.gz")},
                            {"LCPROF_TIMER", "itimer"},
                            {"LCPROF_HZ", "1000"}});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.out.find("workload"), std::string::npos) << r.out;
  ASSERT_TRUE(FileExists(dir.File("e.pb.gz"))) << r.err;
  EXPECT_GT(CountWith(ReadTraces(dir.File("e.pb.gz")), "exec_at_burn"), 0);
}

TEST(LibcallTest, EveryWrappedCallIsTransparent) {
  RunResult plain = RunProgram({LIBCALL_TRANSPARENCY_PATH});
  TempDir dir;
  RunResult preloaded = RunProgram({LIBCALL_TRANSPARENCY_PATH}, {{"LD_PRELOAD", LCPROF_LIB_PATH}});
  RunResult profiled =
      RunProgram({LIBCALL_TRANSPARENCY_PATH},
                 {{"LD_PRELOAD", LCPROF_LIB_PATH}, {"LCPROF_OUT", dir.File("t.pb.gz")}});
  EXPECT_EQ(plain.exit_code, 3);
  EXPECT_GT(std::count(plain.out.begin(), plain.out.end(), '\n'), 60);
  EXPECT_EQ(preloaded.exit_code, plain.exit_code);
  EXPECT_EQ(profiled.exit_code, plain.exit_code);
  EXPECT_EQ(preloaded.out, plain.out);
  EXPECT_EQ(profiled.out, plain.out);
  EXPECT_EQ(profiled.err, plain.err);
  EXPECT_TRUE(FileExists(dir.File("t.pb.gz")));
}

// Debian's python3 ends a daemon thread that is still running at exit
// with pthread_exit, which unwinds through lcprof's thread start routine.
// Before lcprof's frames lost their personality routine, that unwind ran
// lcprof's private C++ runtime on libgcc's context and the program died of
// SIGSEGV at exit (docs/architecture.md, "Linking").
TEST(LibcallTest, PythonDaemonThreadAtExitKeepsTheExitStatus) {
  if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  const std::string script =
      "import threading, time\n"
      "def spin():\n"
      "    while True: time.sleep(0.001)\n"
      "threading.Thread(target=spin, daemon=True).start()\n"
      "time.sleep(0.05)\n"
      "print('done')\n";
  RunResult plain = RunProgram({"/usr/bin/python3", "-c", script});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  TempDir dir;
  for (int i = 0; i < 3; ++i) {  // the crash needed the daemon thread to be past its sleep
    RunResult profiled =
        RunProgram({"/usr/bin/python3", "-c", script},
                   {{"LD_PRELOAD", LCPROF_LIB_PATH}, {"LCPROF_OUT", dir.File("p.pb.gz")}});
    EXPECT_EQ(profiled.exit_code, 0) << profiled.err;
    EXPECT_EQ(profiled.out, plain.out);
  }
}

TEST(LibcallTest, ProgramThatResetsSigprofIsNeitherKilledNorDeceived) {
  RunResult plain = RunProgram({LIBCALL_SIGPROF_PATH});
  TempDir dir;
  RunResult profiled = RunProgram(
      {LIBCALL_SIGPROF_PATH},
      {{"LD_PRELOAD", LCPROF_LIB_PATH}, {"LCPROF_OUT", dir.File("s.pb.gz")}, {"LCPROF_HZ", "500"}});
  ASSERT_EQ(plain.exit_code, 0);
  EXPECT_EQ(profiled.exit_code, 0) << profiled.err;
  EXPECT_EQ(profiled.out, plain.out);
  auto traces = ReadTraces(dir.File("s.pb.gz"));
  // Sampling went on after the program set SIGPROF to SIG_DFL, then SIG_IGN.
  EXPECT_GE(CountWith(traces, "sigprof_user_burn"), TotalCount(traces) * 8 / 10);
  EXPECT_GE(TotalCount(traces), 100);
}

TEST(LibcallTest, UnknownNameInSelectionIsReportedAndTheRestApplies) {
  RunResult plain = RunProgram({WORKLOAD_PATH, "rw", "0.4", "6"});
  TempDir dir;
  RunResult r =
      RunProgram({WORKLOAD_PATH, "rw", "0.4", "6"}, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                                     {"LCPROF_OUT", dir.File("sel.pb.gz")},
                                                     {"LCPROF_LIBCALLS", "read,bogus_call"}});
  EXPECT_EQ(r.exit_code, 6);
  ASSERT_EQ(r.err.rfind("lcprof: LCPROF_LIBCALLS", 0), 0u) << r.err;
  std::string first = r.err.substr(0, r.err.find('\n'));
  EXPECT_NE(first.find("'bogus_call'"), std::string::npos) << first;
  EXPECT_EQ(r.err.substr(r.err.find('\n') + 1), plain.err);
  auto traces = ReadTraces(dir.File("sel.pb.gz"));
  EXPECT_GE(CountWithChain(traces, {"read", "reader_hot", "main"}), 10);
}

TEST(LibcallTest, FibersAreWalkedOnTheirOwnStacksAndLabelled) {
  TempDir dir;
  std::string profile = dir.File("f.pb.gz");
  RunResult r = RunProgram({FIBERS_PATH}, {{"LCPROF_OUT", profile}, {"LCPROF_HZ", "1000"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "fibers: done\n");
  auto traces = ReadTraces(profile);
  std::map<std::string, long long> per_g, per_g_chain;
  long long foreign = 0;
  for (const Trace& t : traces) {
    auto g = t.labels.find("g");
    if (g == t.labels.end()) continue;
    per_g[g->second] += t.count;
    for (size_t i = 0; i + 1 < t.frames.size(); ++i) {
      if (t.frames[i] == "fiber_work" && t.frames[i + 1] == "fiber_entry") {
        per_g_chain[g->second] += t.count;
        break;
      }
    }
    for (const auto& f : t.frames) foreign += f.rfind("[unknown", 0) == 0 ? t.count : 0;
  }
  ASSERT_EQ(per_g.size(), 3u) << PprofTop(profile);
  for (const auto& [g, n] : per_g) {
    EXPECT_GE(per_g_chain[g] * 100, n * 90) << g;  // the fiber's own stack, walked
  }
  EXPECT_EQ(foreign, 0);
  // Work per turn is 1:2:3.
  double total = static_cast<double>(per_g["fiber-a"] + per_g["fiber-b"] + per_g["fiber-c"]);
  EXPECT_NEAR(per_g["fiber-c"] / total, 0.5, 0.08);
  EXPECT_NEAR(per_g["fiber-a"] / total, 1.0 / 6, 0.08);
}

}  // namespace
}  // namespace lcprof::e2e
