// Reading LCPROF_* variables and expanding output patterns.
#include "profiler/base/options.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace lcprof
