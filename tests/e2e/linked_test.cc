// Programs linked against liblcprof that start and stop profiling through the
// C API (from C) and the gperftools-compatible API (from C++).
#include <gtest/gtest.h>

#include "tests/e2e/e2e_util.h"

namespace lcprof::e2e {
namespace {

TEST(LinkedTest, CProgramProfilesItselfThroughTheCApi) {
  TempDir dir;
  RunResult r = RunProgram({LINKED_C_PATH, dir.File("c.pb.gz"), "200"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "linked_c: ok\n");
  // The failed second start and second stop each say why in one line.
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
  EXPECT_NE(r.err.find("already running"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not running"), std::string::npos) << r.err;
  auto traces = ReadTraces(dir.File("c.pb.gz"));
  long long total = TotalCount(traces);
  EXPECT_GE(total, 40);  // 0.5 s at 200 Hz, loosely
  EXPECT_GE(CountWithChain(traces, {"linked_hot_c", "linked_caller_c", "main"}), total * 8 / 10)
      << PprofTop(dir.File("c.pb.gz"));
}

TEST(LinkedTest, CApiRefusesBadArguments) {
  TempDir dir;
  RunResult r = RunProgram({LINKED_C_PATH, dir.File("c.pb.gz"), "0"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("frequency_hz 0"), std::string::npos) << r.out;
  r = RunProgram({LINKED_C_PATH, "/nonexistent-dir/c.pb.gz"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("/nonexistent-dir/c.pb.gz"), std::string::npos) << r.out;
}

TEST(LinkedTest, CppProgramUsesTheGperftoolsCompatibleApi) {
  TempDir dir;
  RunResult r = RunProgram({LINKED_CPP_PATH, dir.File("cpp.pb.gz")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "linked_cpp: ok\n");
  EXPECT_EQ(r.err, "");
  auto traces = ReadTraces(dir.File("cpp.pb.gz"));
  long long total = TotalCount(traces);
  EXPECT_GE(total, 20);  // 0.5 s at 100 Hz, loosely
  EXPECT_GE(CountWithChain(traces, {"LinkedHotCpp(double)", "LinkedCallerCpp(double)", "main"}),
            total * 8 / 10)
      << PprofTop(dir.File("cpp.pb.gz"));
}

}  // namespace
}  // namespace lcprof::e2e
