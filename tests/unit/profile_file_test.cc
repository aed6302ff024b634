// Profile files are created safely (profiler/output/profile_file.h): a
// symlink planted at the output name or at a temporary name is never
// followed, the target file it points to stays untouched, and the file's
// mode is 0644 under the umask.
#include "profiler/output/profile_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "profiler/output/pprof_writer.h"

namespace lcprof {
namespace {

class ProfileFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lcprof-profile-file-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    victim_ = dir_ + "/victim";
    std::ofstream(victim_) << "precious";
  }
  void TearDown() override { ASSERT_EQ(system(("rm -rf " + dir_).c_str()), 0); }
  std::string Contents(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool Write(const std::string& path, std::string* error) {
    pprof::ProfileModel p;
    p.string_table = {""};
    return WriteProfileFile(p, path, error);
  }
  std::string dir_, victim_;
};

TEST_F(ProfileFileTest, SymlinkAtTheOutputNameIsReplacedNotFollowed) {
  const std::string out = dir_ + "/cpu.pb.gz";
  ASSERT_EQ(symlink(victim_.c_str(), out.c_str()), 0);
  std::string error;
  ASSERT_TRUE(Write(out, &error)) << error;
  EXPECT_EQ(Contents(victim_), "precious");
  struct stat st;
  ASSERT_EQ(lstat(out.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_GT(st.st_size, 0);
}

// Earlier versions wrote to ".<name>.lcprof-tmp.<pid>" with O_TRUNC,
// following a symlink planted there.
TEST_F(ProfileFileTest, SymlinkAtThePredictableTempNameIsNotFollowed) {
  const std::string out = dir_ + "/cpu.pb.gz";
  const std::string planted = dir_ + "/.cpu.pb.gz.lcprof-tmp." + std::to_string(getpid());
  ASSERT_EQ(symlink(victim_.c_str(), planted.c_str()), 0);
  std::string error;
  ASSERT_TRUE(Write(out, &error)) << error;
  EXPECT_TRUE(CheckOutputWritable(out, &error)) << error;
  EXPECT_EQ(Contents(victim_), "precious");
  struct stat st;
  ASSERT_EQ(lstat(planted.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));  // left alone, not removed either
}

TEST_F(ProfileFileTest, TempFilesAreNewAndNamedFreshEachTime) {
  const std::string out = dir_ + "/cpu.pb.gz";
  std::string a, b, error;
  int fa = CreateProfileTemp(out, &a, &error);
  int fb = CreateProfileTemp(out, &b, &error);
  ASSERT_GE(fa, 0) << error;
  ASSERT_GE(fb, 0) << error;
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind(dir_ + "/.cpu.pb.gz.lcprof-tmp.", 0), 0u) << a;
  EXPECT_NE(fcntl(fa, F_GETFD) & FD_CLOEXEC, 0);
  close(fa);
  close(fb);
  // The temp name cannot be a symlink to follow: the open is O_EXCL|O_NOFOLLOW.
  ASSERT_EQ(unlink(a.c_str()), 0);
  ASSERT_EQ(symlink(victim_.c_str(), a.c_str()), 0);
  EXPECT_EQ(open(a.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644), -1);
  ASSERT_TRUE(PublishProfileTemp(b, out, &error)) << error;
  EXPECT_EQ(Contents(victim_), "precious");
}

TEST_F(ProfileFileTest, ModeIs0644UnderTheUmask) {
  const std::string out = dir_ + "/cpu.pb.gz";
  mode_t old = umask(027);
  std::string error;
  bool ok = Write(out, &error);
  umask(old);
  ASSERT_TRUE(ok) << error;
  struct stat st;
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  old = umask(0);
  ok = Write(out, &error);
  umask(old);
  ASSERT_TRUE(ok) << error;
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

}  // namespace
}  // namespace lcprof
