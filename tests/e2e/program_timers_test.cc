// The program's own timers under lcprof (issue 10, "the program's own
// ITIMER_PROF and SIGPROF"): a program that arms ITIMER_PROF with a SIGPROF
// handler of its own gets the ticks it gets unprofiled, reads back its own
// timer values, and is still profiled, in every timer mode.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tests/e2e/e2e_util.h"

namespace lcprof::e2e {
namespace {

// "key=value" from a program's stdout, as a string ("" when missing).
std::string Printed(const std::string& out, const std::string& key) {
  const size_t at = out.find(key + "=");
  if (at == std::string::npos) return "";
  const size_t from = at + key.size() + 1;
  return out.substr(from, out.find('\n', from) - from);
}

class OwnItimerTest : public ::testing::TestWithParam<const char*> {};

// The program counts its ticks over 1 s of its own CPU at 100 Hz: about 100
// (the kernel checks CPU timers at the tick). Unprofiled and profiled runs
// are compared in the same test, with a generous bound: lcprof's handler
// runs add CPU time, not ticks lost or gained. Before the fix the program
// got no tick at all (lcprof took every SI_KERNEL SIGPROF for its own).
TEST_P(OwnItimerTest, ProgramKeepsItsTicksAndItsTimerValues) {
  RunResult plain = RunProgram({OWN_ITIMER_PATH, "1"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const int plain_ticks = std::atoi(Printed(plain.out, "ticks").c_str());
  ASSERT_GT(plain_ticks, 50) << plain.out;

  TempDir dir;
  RunResult r = RunProgram({OWN_ITIMER_PATH, "1"}, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                                    {"LCPROF_OUT", dir.File("t.pb.gz")},
                                                    {"LCPROF_TIMER", GetParam()},
                                                    {"LCPROF_HZ", "250"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int ticks = std::atoi(Printed(r.out, "ticks").c_str());
  EXPECT_GT(ticks, plain_ticks * 7 / 10) << r.out << " unprofiled: " << plain.out;
  EXPECT_LT(ticks, plain_ticks * 13 / 10 + 5) << r.out << " unprofiled: " << plain.out;
  // Its view of ITIMER_PROF is its own: zero before it armed the timer
  // (while lcprof's itimer ran), its 10 ms while armed.
  EXPECT_EQ(Printed(r.out, "before"), Printed(plain.out, "before"));
  EXPECT_EQ(Printed(r.out, "before"), "0.000000/0.000000");
  EXPECT_EQ(Printed(r.out, "during_interval"), "0.010000");
  EXPECT_EQ(Printed(r.out, "old_interval"), "0.010000");
  // lcprof says, in one line, that it samples through another timer.
  const std::string itimer_line = "the program uses ITIMER_PROF itself";
  const size_t said = r.err.find(itimer_line);
  EXPECT_NE(said, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(itimer_line, said + 1), std::string::npos) << r.err;
  // ... and keeps sampling: the program's burn is in the profile.
  EXPECT_GT(CountWith(ReadTraces(dir.File("t.pb.gz")), "burn_own_itimer"), 20)
      << PprofTop(dir.File("t.pb.gz"));
}

INSTANTIATE_TEST_SUITE_P(Modes, OwnItimerTest, ::testing::Values("itimer", "thread", "perf"));

// A daemon that gets rid of every descriptor above 2 (close in a loop,
// close_range, closefrom, or dup2 onto each number), after a worker thread
// started: every call answers as without lcprof (the program checks), and
// both threads are still sampled afterwards, in every timer mode. Before
// the descriptor guard, LCPROF_TIMER=perf lost every sample after the
// close (the counters were the closed descriptors).
struct FdCase {
  const char* timer;
  const char* how;
};

class DescriptorTest : public ::testing::TestWithParam<FdCase> {};

TEST_P(DescriptorTest, ClosingEveryDescriptorKeepsSampling) {
  TempDir dir;
  RunResult r = RunProgram({FD_CLOSER_PATH, GetParam().how}, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                                              {"LCPROF_OUT", dir.File("d.pb.gz")},
                                                              {"LCPROF_TIMER", GetParam().timer},
                                                              {"LCPROF_HZ", "250"}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "ok\n");
  const auto traces = ReadTraces(dir.File("d.pb.gz"));
  // 0.6 s of CPU each at 250 Hz: about 150 samples (fewer for itimer under
  // load, which is tick-limited); before the fix, perf had 0.
  EXPECT_GT(CountWith(traces, "burn_after_close"), 30) << PprofTop(dir.File("d.pb.gz"));
  EXPECT_GT(CountWith(traces, "burn_in_worker"), 30) << PprofTop(dir.File("d.pb.gz"));
}

INSTANTIATE_TEST_SUITE_P(ModesAndWays, DescriptorTest,
                         ::testing::Values(FdCase{"itimer", "close"}, FdCase{"thread", "close"},
                                           FdCase{"perf", "close"}, FdCase{"perf", "close_range"},
                                           FdCase{"perf", "closefrom"}, FdCase{"perf", "dup2"},
                                           FdCase{"thread", "dup2"},
                                           FdCase{"itimer", "close_range"}),
                         [](const ::testing::TestParamInfo<FdCase>& param_info) {
                           return std::string(param_info.param.timer) + "_" + param_info.param.how;
                         });

// Review finding (i). A fork child's restart runs in the fork handler, so it
// is kept cheap: before the fix it enumerated /proc/self/task (an opendir
// the program sees) and rebuilt the whole session; now it arms only its
// one thread's timer. The forked child still profiles itself into its own
// file (TimerModeTest.ForkedChildHasItsOwnWorkingTimer, PreloadTest).
TEST(ForkChildTest, RestartReadsNoDirectory) {
  TempDir dir;
  for (const char* timer : {"itimer", "thread", "perf"}) {
    RunResult r = RunProgram({FORK_LOCKS_PATH, "cost"},
                             {{"LCPROF_OUT", dir.File("c.pb.gz")}, {"LCPROF_TIMER", timer}});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(Printed(r.out, "child_opendir"), "0") << timer << ": " << r.err;
  }
}

// The G table's and the C API's locks are held across fork, so a child
// never inherits one locked by a thread that does not exist in it. Before
// the fix a child of a process whose other thread was inside
// lcprof_g_register hung on its first call (the program's alarm says
// "hang"); that needs the fork to land while the lock is held, which the
// hammering thread makes likely in each of the 50 forks.
TEST(ForkChildTest, ChildCallsLockedApiWhileParentThreadHoldsTheLock) {
  for (const char* mode : {"glock", "apilock"}) {
    RunResult r = RunProgram({FORK_LOCKS_PATH, mode}, {}, 90);
    EXPECT_EQ(r.exit_code, 0) << mode << ": " << r.out << r.err;
    EXPECT_EQ(r.out, "ok\n") << mode;
  }
}

// Review finding (e): an exec from a signal handler stopped the session
// there (a mutex, allocations, the profile's encoding and I/O), which
// deadlocks on whatever lock the handler interrupted; the program's main
// loop allocates, so the handler usually interrupts malloc holding its
// arena lock. Now the handler's exec only stops the timers that could
// signal across the exec and drains SIGPROF, by raw system calls; the new
// image runs. Five runs per mode, each bounded (a deadlock is a timeout).
TEST(ExecInHandlerTest, ExecFromSignalHandlerNeitherHangsNorKillsTheNewImage) {
  TempDir dir;
  for (const char* timer : {"itimer", "thread", "perf"}) {
    for (int i = 0; i < 5; ++i) {
      RunResult r = RunProgram({EXEC_IN_HANDLER_PATH},
                               {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                {"LCPROF_OUT", dir.File("e.pb.gz")},
                                {"LCPROF_TIMER", timer},
                                {"LCPROF_HZ", "1000"}},
                               15);
      ASSERT_EQ(r.exit_code, 0) << timer << " run " << i << ": " << r.out << r.err;
      EXPECT_EQ(r.out, "after exec\n") << timer;
    }
  }
}

}  // namespace
}  // namespace lcprof::e2e
