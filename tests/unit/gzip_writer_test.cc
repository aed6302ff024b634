// gzip output (gzip_writer.h) through both paths, zlib and stored blocks,
// judged by gzip itself: `gzip -t` accepts the file and `gzip -dc` gives the
// input back, for empty, small, block-sized and multi-block inputs. Also the
// CRC-32 (crc32.h) the stored path writes, against its published check value.
// Built twice: plain, and under ASan, where zlib must not be opened.
#include "profiler/output/gzip_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <random>
#include <string>

#include "profiler/output/crc32.h"

namespace lcprof {

// Test names and gtest's messages spell the method out (found by ADL: it
// must live in GzipMethod's namespace).
std::string GzipMethodName(GzipMethod method) {
  switch (method) {
    case GzipMethod::kAuto:
      return "Auto";
    case GzipMethod::kZlib:
      return "Zlib";
    case GzipMethod::kStored:
      return "Stored";
  }
  return "Unknown";
}

void PrintTo(GzipMethod method, std::ostream* os) { *os << GzipMethodName(method); }

namespace {

TEST(Crc32Test, CheckValueAndIncrementalUse) {
  // The check value of CRC-32/ISO-HDLC (gzip's CRC) over "123456789".
  EXPECT_EQ(Crc32(0, "123456789", 9), 0xCBF43926u);
  EXPECT_EQ(Crc32(0, "", 0), 0u);
  EXPECT_EQ(Crc32(Crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

std::string RandomBytes(size_t n) {
  std::mt19937 rng(7);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

class GzipWriterTest : public ::testing::TestWithParam<GzipMethod> {
 protected:
  void SetUp() override {
    if (GetParam() == GzipMethod::kZlib && !ZlibAvailable()) GTEST_SKIP() << "zlib not usable";
    ASSERT_NE(mkdtemp(dir_), nullptr);
    path_ = std::string(dir_) + "/out.gz";
  }
  void TearDown() override {
    unlink(path_.c_str());
    rmdir(dir_);
  }

  // Writes `data` with the method under test; returns the file's size.
  size_t Write(const std::string& data) {
    int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0);
    std::string error;
    EXPECT_TRUE(WriteGzip(fd, data, GetParam(), &error)) << error;
    off_t size = lseek(fd, 0, SEEK_CUR);
    close(fd);
    return static_cast<size_t>(size);
  }

  bool GzipAccepts() { return system(("gzip -t '" + path_ + "' 2>/dev/null").c_str()) == 0; }

  std::string Decompressed() {
    std::string out;
    FILE* f = popen(("gzip -dc '" + path_ + "'").c_str(), "r");
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    EXPECT_EQ(pclose(f), 0);
    return out;
  }

  char dir_[32] = "/tmp/lcprof-gzip-XXXXXX";
  std::string path_;
};

TEST_P(GzipWriterTest, GzipReadsBackWhatWasWritten) {
  const std::string inputs[] = {
      "",
      "hello, profile",
      std::string(65535, 'a'),  // exactly one full stored block
      std::string(65536, 'b'),  // one byte into a second block
      RandomBytes(300000),      // incompressible, five stored blocks
  };
  for (const std::string& in : inputs) {
    Write(in);
    EXPECT_TRUE(GzipAccepts()) << in.size();
    EXPECT_EQ(Decompressed(), in) << in.size();
  }
}

TEST_P(GzipWriterTest, SizeShowsWhichPathWrote) {
  const std::string in = std::string(100000, 'p') + RandomBytes(1000);
  const size_t size = Write(in);
  const bool stored =
      GetParam() == GzipMethod::kStored || (GetParam() == GzipMethod::kAuto && !ZlibAvailable());
  if (stored) {
    // Header 10, trailer 8, and 5 bytes in front of each of 2 blocks.
    EXPECT_EQ(size, in.size() + 10 + 8 + 2 * 5);
  } else {
    EXPECT_LT(size, 3000u);  // deflated: the run of 'p' is almost free
  }
}

TEST_P(GzipWriterTest, FailedWriteIsReported) {
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::string error;
  EXPECT_FALSE(WriteGzip(fd, "data", GetParam(), &error));
  EXPECT_NE(error.find("Bad file descriptor"), std::string::npos) << error;
  close(fd);
}

#if defined(__SANITIZE_ADDRESS__)
// A sanitizer's dlopen interceptor would end the process on RTLD_DEEPBIND:
// zlib is left alone and kAuto writes stored blocks (the tests above).
TEST(GzipWriterUnderSanitizerTest, ZlibIsNotOpened) { EXPECT_FALSE(ZlibAvailable()); }
#endif

std::string MethodName(const ::testing::TestParamInfo<GzipMethod>& param) {
  return GzipMethodName(param.param);
}

#if defined(__SANITIZE_ADDRESS__)
// kZlib cannot be used here (ZlibIsNotOpened).
INSTANTIATE_TEST_SUITE_P(Methods, GzipWriterTest,
                         ::testing::Values(GzipMethod::kAuto, GzipMethod::kStored), MethodName);
#else
INSTANTIATE_TEST_SUITE_P(Methods, GzipWriterTest,
                         ::testing::Values(GzipMethod::kAuto, GzipMethod::kZlib,
                                           GzipMethod::kStored),
                         MethodName);
#endif

}  // namespace
}  // namespace lcprof
