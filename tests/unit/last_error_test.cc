// lcprof_last_error's answer stays what it was when another thread fails
// afterwards (it used to point into the shared string, which that failure
// replaced or freed). Linked against liblcprof.so, as API users are.
#include <gtest/gtest.h>
#include <lcprof/lcprof.h>

#include <string>
#include <thread>

namespace {

TEST(LastErrorTest, AnswerIsNotChangedByAnotherThreadsFailure) {
  ASSERT_NE(lcprof_start("", nullptr), 0);
  const char* mine = lcprof_last_error();
  const std::string expected = mine;
  ASSERT_NE(expected.find("no output path"), std::string::npos) << expected;
  std::thread other([] {
    lcprof_options options;
    lcprof_options_init(&options);
    options.frequency_hz = 0;
    EXPECT_NE(lcprof_start("/tmp/never-written-by-lcprof-last-error-test.pb.gz", &options), 0);
    EXPECT_NE(std::string(lcprof_last_error()).find("frequency_hz"), std::string::npos);
  });
  other.join();
  EXPECT_EQ(std::string(mine), expected);
}

}  // namespace
