// Reading LCPROF_* variables and expanding output patterns.
#include "profiler/base/options.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

namespace lcprof {
namespace {

TEST(OptionsTest, ParsesOnlyWholeNumbersInRange) {
  int hz = 0;
  EXPECT_TRUE(ParseHz("1", &hz));
  EXPECT_EQ(hz, 1);
  EXPECT_TRUE(ParseHz("10000", &hz));
  EXPECT_EQ(hz, 10000);
  for (const char* bad :
       {"", "0", "-5", "abc", "100x", "10001", "1e3", " 100", "99999999999999999999"}) {
    hz = 7;
    EXPECT_FALSE(ParseHz(bad, &hz)) << bad;
    EXPECT_EQ(hz, 7) << bad;
  }
}

TEST(OptionsTest, ExpandsPidAndPercent) {
  EXPECT_EQ(ExpandOutputPattern("out.%p.pb.gz", 42), "out.42.pb.gz");
  EXPECT_EQ(ExpandOutputPattern("a%%p", 42), "a%p");
  EXPECT_EQ(ExpandOutputPattern("plain", 42), "plain");
  EXPECT_EQ(ExpandOutputPattern("trail%", 42), "trail%");
}

TEST(OptionsTest, EnvironmentWithoutOutputRequestsNothing) {
  unsetenv("LCPROF_OUT");
  EXPECT_FALSE(OptionsFromEnvironment().has_value());
  setenv("LCPROF_OUT", "", 1);
  EXPECT_FALSE(OptionsFromEnvironment().has_value());
}

TEST(OptionsTest, BadRateFallsBackToDefaultWithOneLine) {
  setenv("LCPROF_OUT", "x.pb.gz", 1);
  setenv("LCPROF_HZ", "fast", 1);
  testing::internal::CaptureStderr();
  auto o = OptionsFromEnvironment();
  std::string err = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->hz, kDefaultHz);
  EXPECT_EQ(o->output_pattern, "x.pb.gz");
  EXPECT_NE(err.find("LCPROF_HZ='fast'"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  setenv("LCPROF_HZ", "250", 1);
  EXPECT_EQ(OptionsFromEnvironment()->hz, 250);
  unsetenv("LCPROF_HZ");
  unsetenv("LCPROF_OUT");
}

TEST(OptionsTest, StacksLimitFromTheEnvironmentWithOneLineForABadValue) {
  setenv("LCPROF_OUT", "x.pb.gz", 1);
  EXPECT_EQ(OptionsFromEnvironment()->max_stacks, kDefaultStacks);
  setenv("LCPROF_STACKS", "2500", 1);
  EXPECT_EQ(OptionsFromEnvironment()->max_stacks, 2500);
  for (const char* bad : {"0", "-1", "lots", "10000001", "1e5"}) {
    setenv("LCPROF_STACKS", bad, 1);
    testing::internal::CaptureStderr();
    auto o = OptionsFromEnvironment();
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(o->max_stacks, kDefaultStacks) << bad;
    EXPECT_NE(err.find(std::string("LCPROF_STACKS='") + bad + "'"), std::string::npos) << err;
    EXPECT_NE(err.find("100000"), std::string::npos) << err;  // the default it falls back to
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
  unsetenv("LCPROF_STACKS");
  unsetenv("LCPROF_OUT");
}

TEST(OptionsTest, LineReadingFromTheEnvironmentWithOneLineForABadValue) {
  setenv("LCPROF_OUT", "x.pb.gz", 1);
  EXPECT_EQ(OptionsFromEnvironment()->lines, LineReading::kAuto);
  setenv("LCPROF_LINES", "none", 1);
  EXPECT_EQ(OptionsFromEnvironment()->lines, LineReading::kNone);
  setenv("LCPROF_LINES", "all", 1);
  EXPECT_EQ(OptionsFromEnvironment()->lines, LineReading::kAll);
  setenv("LCPROF_LINES", "some", 1);
  testing::internal::CaptureStderr();
  auto o = OptionsFromEnvironment();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(o->lines, LineReading::kAuto);
  EXPECT_NE(err.find("LCPROF_LINES='some'"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  unsetenv("LCPROF_LINES");
  unsetenv("LCPROF_OUT");
}

TEST(OptionsTest, SignalsByNumberOrNameButNotTheOnesLcprofOrTheKernelOwn) {
  int sig = 0;
  EXPECT_TRUE(ParseSignal("12", &sig));
  EXPECT_EQ(sig, 12);
  EXPECT_TRUE(ParseSignal("USR1", &sig));
  EXPECT_EQ(sig, SIGUSR1);
  EXPECT_TRUE(ParseSignal("SIGUSR2", &sig));
  EXPECT_EQ(sig, SIGUSR2);
  EXPECT_TRUE(ParseSignal("RTMIN+2", &sig));
  EXPECT_EQ(sig, SIGRTMIN + 2);
  EXPECT_TRUE(ParseSignal("SIGRTMAX", &sig));
  EXPECT_EQ(sig, SIGRTMAX);
  for (const char* bad : {"", "0", "-10", "PROF", "SIGPROF", "27", "KILL", "9", "SEGV", "STOP",
                          "usr1", "USR3", "RTMIN+99", "65", "12x"}) {
    sig = 7;
    EXPECT_FALSE(ParseSignal(bad, &sig)) << bad;
    EXPECT_EQ(sig, 7) << bad;
  }
}

TEST(OptionsTest, PeriodsInSecondsWithDecimals) {
  int64_t nanos = 0;
  EXPECT_TRUE(ParsePeriod("0.25", &nanos));
  EXPECT_EQ(nanos, 250000000);
  EXPECT_TRUE(ParsePeriod("60", &nanos));
  EXPECT_EQ(nanos, 60000000000);
  for (const char* bad : {"", "0", "0.001", "-1", "1s", "nan", "inf", "86401", " 1"}) {
    nanos = 7;
    EXPECT_FALSE(ParsePeriod(bad, &nanos)) << bad;
    EXPECT_EQ(nanos, 7) << bad;
  }
}

// gperftools' variables count only where lcprof's are absent.
TEST(OptionsTest, GperftoolsVariablesFillInForAbsentLcprofOnes) {
  unsetenv("LCPROF_OUT");
  setenv("CPUPROFILE", "g%1.prof", 1);
  setenv("CPUPROFILE_FREQUENCY", "250", 1);
  setenv("CPUPROFILE_PER_THREAD_TIMERS", "", 1);
  auto o = OptionsFromEnvironment();
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(ExpandOutputPattern(o->output_pattern, 42), "g%1.prof");  // no pid unless asked
  EXPECT_EQ(o->hz, 250);
  EXPECT_EQ(o->timer, TimerKind::kThread);
  EXPECT_EQ(o->toggle_signal, 0);
  setenv("CPUPROFILE_USE_PID", "1", 1);
  setenv("CPUPROFILESIGNAL", "12", 1);
  o = OptionsFromEnvironment();
  EXPECT_EQ(ExpandOutputPattern(o->output_pattern, 42), "g%1.prof_42");
  EXPECT_EQ(o->toggle_signal, 12);
  setenv("LCPROF_OUT", "l.pb.gz", 1);
  setenv("LCPROF_HZ", "300", 1);
  setenv("LCPROF_TIMER", "itimer", 1);
  o = OptionsFromEnvironment();
  EXPECT_EQ(o->output_pattern, "l.pb.gz");
  EXPECT_EQ(o->hz, 300);
  EXPECT_EQ(o->timer, TimerKind::kItimer);
  EXPECT_EQ(o->toggle_signal, 0);  // CPUPROFILESIGNAL goes with CPUPROFILE
  for (const char* v :
       {"LCPROF_OUT", "LCPROF_HZ", "LCPROF_TIMER", "CPUPROFILE", "CPUPROFILE_FREQUENCY",
        "CPUPROFILE_PER_THREAD_TIMERS", "CPUPROFILE_USE_PID", "CPUPROFILESIGNAL"}) {
    unsetenv(v);
  }
}

TEST(OptionsTest, SnapshotVariables) {
  setenv("LCPROF_OUT", "x.pb.gz", 1);
  auto o = OptionsFromEnvironment();
  EXPECT_EQ(o->period_nanos, 0);
  EXPECT_EQ(o->flush_signal, 0);
  EXPECT_FALSE(o->on_term);
  setenv("LCPROF_PERIOD", "1.5", 1);
  setenv("LCPROF_FLUSH_SIGNAL", "SIGUSR1", 1);
  setenv("LCPROF_ON_TERM", "1", 1);
  o = OptionsFromEnvironment();
  EXPECT_EQ(o->period_nanos, 1500000000);
  EXPECT_EQ(o->flush_signal, SIGUSR1);
  EXPECT_TRUE(o->on_term);
  for (const char* v : {"LCPROF_OUT", "LCPROF_PERIOD", "LCPROF_FLUSH_SIGNAL", "LCPROF_ON_TERM"}) {
    unsetenv(v);
  }
}

}  // namespace
}  // namespace lcprof
