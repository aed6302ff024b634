// A setuid program is never profiled: run as an unprivileged user, a
// setuid-root copy of a program linked with lcprof must not write the file
// its caller's LCPROF_OUT or lcprof_start names (it would be root's, anywhere),
// must say why in one line, and must otherwise run exactly as before.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "tests/e2e/e2e_util.h"

namespace lcprof::e2e {
namespace {

int CountLcprofLines(const std::string& err) {
  int n = 0;
  for (size_t pos = 0; (pos = err.find("lcprof:", pos)) != std::string::npos; ++pos) ++n;
  return n;
}

class SetuidTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to make a setuid-root copy";
    // Readable and searchable by `nobody`, writable by root only.
    ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
    prog_ = dir_.File("secure_linked");
    std::ifstream in(SECURE_LINKED_PATH, std::ios::binary);
    std::ofstream(prog_, std::ios::binary) << in.rdbuf();
    ASSERT_EQ(chown(prog_.c_str(), 0, 0), 0);
    ASSERT_EQ(chmod(prog_.c_str(), 04755), 0);
  }
  RunResult RunAsNobody(std::vector<std::string> argv,
                        const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> full = {"setpriv", "--reuid=nobody", "--regid=nogroup",
                                     "--clear-groups", "--"};
    full.insert(full.end(), argv.begin(), argv.end());
    return RunProgram(full, env);
  }
  TempDir dir_;
  std::string prog_;
};

TEST_F(SetuidTest, EnvironmentRequestIsRefusedWithOneLineAndNoFile) {
  RunResult plain = RunAsNobody({prog_});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(plain.out, "ran\n");
  RunResult r = RunAsNobody({prog_}, {{"LCPROF_OUT", dir_.File("env.pb.gz")}});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, plain.out);
  EXPECT_EQ(CountLcprofLines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("setuid"), std::string::npos) << r.err;
  // Nothing made in the directory: no profile, no root claim, no temp file.
  EXPECT_EQ(dir_.List(), std::vector<std::string>{"secure_linked"});
}

TEST_F(SetuidTest, ApiRequestIsRefused) {
  RunResult r = RunAsNobody({prog_, dir_.File("api.pb.gz")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("start failed: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("setuid"), std::string::npos) << r.out;
  EXPECT_EQ(dir_.List(), std::vector<std::string>{"secure_linked"});
}

// The same program without the setuid bit is profiled as usual (the refusal
// is about AT_SECURE, not about the user or the program).
TEST_F(SetuidTest, SameProgramWithoutSetuidIsProfiled) {
  ASSERT_EQ(chmod(prog_.c_str(), 0755), 0);
  ASSERT_EQ(chmod(dir_.path().c_str(), 0777), 0);
  // Without setuid the loader runs as `nobody`, who may not search the build
  // tree (under /root on a fresh machine): it finds a copy of the library here.
  const std::string lib = dir_.File("liblcprof.so.0");
  std::ifstream in(LCPROF_LIB_PATH, std::ios::binary);
  std::ofstream(lib, std::ios::binary) << in.rdbuf();
  ASSERT_EQ(chmod(lib.c_str(), 0755), 0);
  RunResult r = RunAsNobody({prog_, dir_.File("api.pb.gz")}, {{"LD_LIBRARY_PATH", dir_.path()}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "start: ok\nran\n");
  EXPECT_TRUE(FileExists(dir_.File("api.pb.gz")));
}

}  // namespace
}  // namespace lcprof::e2e
