// Programs that block, wait for and leave signals, profiled under
// LD_PRELOAD: threads created with every signal blocked and a sigwait
// thread still get their samples and see exactly the masks they set; work
// that follows handlers left by siglongjmp keeps its whole caller chain;
// CPU no sample saw is named, never charged to an lcprof frame.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "tests/e2e/e2e_util.h"

namespace lcprof::e2e {
namespace {

// The lines of `out` that start with `prefix`, sorted.
std::vector<std::string> Lines(const std::string& out, const std::string& prefix) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());  // threads print in any order
  return lines;
}

double Truth(const std::string& out, const std::string& fn) {
  for (const std::string& line : Lines(out, "truth " + fn + " ")) {
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

long long CpuMicrosWith(const std::vector<Trace>& traces, const std::string& fn) {
  return CountWith(traces, fn);
}

// Samples whose stack holds every one of `fns`, anywhere.
long long CountWithAll(const std::vector<Trace>& traces, const std::vector<std::string>& fns) {
  long long n = 0;
  for (const Trace& t : traces) {
    bool all = true;
    for (const std::string& fn : fns) {
      all = all && std::find(t.frames.begin(), t.frames.end(), fn) != t.frames.end();
    }
    if (all) n += t.count;
  }
  return n;
}

class BlockedWorkersTest : public ::testing::TestWithParam<const char*> {};

// Workers created with every signal blocked (inherited from main), one of
// them blocking SIGPROF again itself, and a sigwait thread: each worker's
// own function gets its CPU, and every mask the program reads back is the
// one it reads without lcprof.
TEST_P(BlockedWorkersTest, WorkersGetTheirCpuAndMasksReadBackUnchanged) {
  TempDir dir;
  const std::string profile = dir.File("w.pb.gz");
  RunResult plain = RunProgram({SIGNAL_BLOCKED_WORKERS_PATH, "0.1"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  RunResult r = RunProgram({SIGNAL_BLOCKED_WORKERS_PATH, "0.6"}, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                                                  {"LCPROF_OUT", profile},
                                                                  {"LCPROF_HZ", "500"},
                                                                  {"LCPROF_TIMER", GetParam()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out, "mask "), Lines(plain.out, "mask ")) << r.out;
  EXPECT_EQ(Lines(r.out, "signal thread"), Lines(plain.out, "signal thread")) << r.out;
  EXPECT_EQ(Lines(r.out, "done"), std::vector<std::string>{"done"});
  auto traces = ReadCpuTraces(profile);
  const std::string top = PprofTop(profile);
  for (const char* fn : {"blocked_worker_alpha_burn", "blocked_worker_beta_burn"}) {
    const double truth_us = Truth(r.out, fn) * 1e6;
    ASSERT_GT(truth_us, 0) << r.out;
    // Most of the worker's CPU, under its own function and its thread's root.
    EXPECT_GE(static_cast<double>(CpuMicrosWith(traces, fn)), 0.7 * truth_us) << fn << "\n" << top;
  }
  // The thread that blocks SIGPROF with a raw system call is never sampled:
  // its CPU is settled at its exit, named, under its thread's root.
  const double raw_us = Truth(r.out, "raw_blocked_burn") * 1e6;
  ASSERT_GT(raw_us, 0) << r.out;
  long long unsampled_us = 0;
  for (const Trace& t : traces) {
    if (t.frames.empty() || t.frames[0] != "[unsampled: thread CPU no sample saw]") continue;
    // Below it only the thread's root: start_thread and clone3 by name, or
    // as libc offsets where libc has no symbol table (no libc6-dbg).
    bool under_root = true;
    for (size_t i = 1; i < t.frames.size(); ++i) {
      const std::string& f = t.frames[i];
      if (f != "start_thread" && f != "clone3" && f.rfind("libc.so.6+0x", 0) != 0) {
        under_root = false;
      }
    }
    if (under_root) unsampled_us += t.count;
  }
  EXPECT_GE(static_cast<double>(unsampled_us), 0.7 * raw_us) << top;
  for (const Trace& t : traces) {
    for (const std::string& f : t.frames) {
      EXPECT_EQ(f.find("OnThreadExit"), std::string::npos) << f << "\n" << top;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Timers, BlockedWorkersTest, ::testing::Values("thread", "itimer", "perf"));

// A SIGSEGV handler on an alternate stack and a SIGALRM handler raised from
// a wrapped call (raise) both leave by siglongjmp, thousands of times; the
// work that follows is profiled with its complete chain.
TEST(SignalsTest, WorkAfterSiglongjmpOutOfHandlersKeepsItsCallerChain) {
  TempDir dir;
  const std::string profile = dir.File("l.pb.gz");
  RunResult r =
      RunProgram({SIGNAL_LONGJMP_RECOVERY_PATH, "2000", "0.5"},
                 {{"LD_PRELOAD", LCPROF_LIB_PATH}, {"LCPROF_OUT", profile}, {"LCPROF_HZ", "500"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("recovered 2200 times"), std::string::npos) << r.out;
  auto traces = ReadTraces(profile);
  const std::string top = PprofTop(profile);
  const long long work = CountWith(traces, "recovered_work_burn");
  ASSERT_GT(work, 50) << top;
  EXPECT_GE(CountWithChain(traces, {"recovered_work_burn", "after_recoveries", "main"}) * 100,
            work * 95)
      << top;
  EXPECT_EQ(CountWithAll(traces, {"recovered_work_burn", "[unknown: sp outside thread stack]"}), 0)
      << top;
}

struct HandlerRun {
  RunResult plain, profiled;
  std::vector<Trace> traces;
  std::string top;
};

// Runs signal_program_handlers in `mode` without and with lcprof.
HandlerRun RunHandlers(const TempDir& dir, const std::string& mode) {
  HandlerRun h;
  const std::string profile = dir.File(mode + ".pb.gz");
  h.plain = RunProgram({SIGNAL_PROGRAM_HANDLERS_PATH, mode, "0.1"});
  h.profiled =
      RunProgram({SIGNAL_PROGRAM_HANDLERS_PATH, mode, "0.4"},
                 {{"LD_PRELOAD", LCPROF_LIB_PATH}, {"LCPROF_OUT", profile}, {"LCPROF_HZ", "1000"}});
  if (FileExists(profile)) {
    h.traces = ReadTraces(profile);
    h.top = PprofTop(profile);
  }
  return h;
}

// SS_AUTODISARM clears the alternate stack while the handler runs, so
// asking sigaltstack() there says "none": the handler's stack is known from
// the signal's own context instead, and its samples keep their chain.
TEST(SignalsTest, HandlerOnAutodisarmedAlternateStackKeepsItsChain) {
  TempDir dir;
  HandlerRun h = RunHandlers(dir, "autodisarm");
  ASSERT_EQ(h.profiled.exit_code, 0) << h.profiled.err;
  EXPECT_EQ(h.profiled.out, h.plain.out);
  const long long burn = CountWith(h.traces, "autodisarm_handler_burn");
  ASSERT_GT(burn, 20) << h.top;
  EXPECT_GE(
      CountWithChain(h.traces, {"autodisarm_handler_burn", "OnUsr1Autodisarm", "[signal]"}) * 100,
      burn * 95)
      << h.top;
  EXPECT_EQ(CountWith(h.traces, "[unknown: sp outside thread stack]"), 0) << h.top;
}

// sigset, sysv_signal and bsd_signal hand back the handler the program
// installed (never lcprof's trampoline), and putting it back works.
TEST(SignalsTest, OtherInstallersReturnTheProgramsHandler) {
  TempDir dir;
  HandlerRun h = RunHandlers(dir, "install");
  ASSERT_EQ(h.plain.exit_code, 0) << h.plain.err;
  EXPECT_EQ(h.profiled.exit_code, 0) << h.profiled.err;
  EXPECT_EQ(h.profiled.out, h.plain.out);
}

// The program's own SIGPROF handler leaves by siglongjmp a thousand times:
// later work is sampled with its true chain (no stale signal level), and
// nothing of lcprof is left wedged.
TEST(SignalsTest, ProgramSigprofHandlerThatLongjmpsLeavesProfilingIntact) {
  TempDir dir;
  HandlerRun h = RunHandlers(dir, "prof_jump");
  ASSERT_EQ(h.profiled.exit_code, 0) << h.profiled.err;
  EXPECT_EQ(h.profiled.out, h.plain.out);
  const long long burn = CountWith(h.traces, "after_prof_jump_burn");
  ASSERT_GT(burn, 20) << h.top;
  EXPECT_GE(CountWithChain(h.traces, {"after_prof_jump_burn", "main"}) * 100, burn * 95) << h.top;
  EXPECT_EQ(CountWithAll(h.traces, {"after_prof_jump_burn", "[signal]"}), 0) << h.top;
}

// A handler on the thread's stack raises a signal whose SA_ONSTACK handler
// runs on an alternate stack mapped right above it: the outer handler's
// level stays in the samples of the inner one.
TEST(SignalsTest, NestedHandlerOnAlternateStackKeepsTheOuterHandler) {
  TempDir dir;
  HandlerRun h = RunHandlers(dir, "nested");
  ASSERT_EQ(h.profiled.exit_code, 0) << h.profiled.err;
  EXPECT_EQ(h.profiled.out, h.plain.out);
  const long long burn = CountWith(h.traces, "nested_handler_burn");
  ASSERT_GT(burn, 20) << h.top;
  EXPECT_GE(CountWithAll(h.traces, {"nested_handler_burn", "OnUsr2Nested", "outer_handler_work",
                                    "OnUsr1Outer", "NestedThread"}) *
                100,
            burn * 95)
      << h.top;
}

// Timer signals of lcprof's still pending when it stops are dropped, not
// passed to the program's SIGPROF handler.
TEST(SignalsTest, LeftoverProfilerSignalsDoNotReachTheProgramAfterStop) {
  TempDir dir;
  HandlerRun h = RunHandlers(dir, "leftover");
  ASSERT_EQ(h.profiled.exit_code, 0) << h.profiled.err;
  EXPECT_EQ(h.profiled.out, h.plain.out);
  EXPECT_NE(h.plain.out.find("got 0 kernel-sent"), std::string::npos) << h.plain.out;
}

// Temporary masks of waits are the program's view while it waits (read
// back by a handler that runs meanwhile), the wait ends as without lcprof,
// and an image exec'ed with SIGPROF blocked starts with it blocked.
TEST(SignalsTest, WaitsWithTemporaryMasksAndExecKeepTheProgramsMask) {
  TempDir dir;
  HandlerRun h = RunHandlers(dir, "wait");
  ASSERT_EQ(h.plain.exit_code, 0) << h.plain.err;
  ASSERT_EQ(h.profiled.exit_code, 0) << h.profiled.err;
  EXPECT_EQ(h.profiled.out, h.plain.out);
  EXPECT_NE(h.plain.out.find("after exec: SIGPROF blocked 1"), std::string::npos) << h.plain.out;
}

// The program's own SIGPROF, sent while its view blocks SIGPROF (lcprof
// keeps it deliverable for samples), waits until the program unblocks it,
// then reaches its handler as the kernel would deliver it.
TEST(SignalsTest, ProgramSigprofWaitsWhileTheProgramBlocksIt) {
  TempDir dir;
  HandlerRun h = RunHandlers(dir, "defer");
  ASSERT_EQ(h.plain.exit_code, 0) << h.plain.err;
  ASSERT_EQ(h.profiled.exit_code, 0) << h.profiled.err;
  EXPECT_EQ(h.profiled.out, h.plain.out);
  EXPECT_NE(h.plain.out.find("while blocked the handler ran 0"), std::string::npos) << h.plain.out;
  // Once for raise (the thread's pending), once for kill (the process's).
  EXPECT_NE(h.plain.out.find("after unblocking it ran 2"), std::string::npos) << h.plain.out;
}

}  // namespace
}  // namespace lcprof::e2e
