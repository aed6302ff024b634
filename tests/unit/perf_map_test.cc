// Unit tests for profiler/perf_map.{h,cc}: the line format as runtimes write
// it, malformed lines skipped, lookups at range edges, the newest of
// overlapping entries, and files that are missing, huge, or not to be trusted.
#include "profiler/output/perf_map.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace lcprof {
namespace {

std::string NameAt(const PerfMap& map, uint64_t address) {
  const std::string* name = map.Lookup(address);
  return name != nullptr ? *name : "<none>";
}

class TempDir {
 public:
  TempDir() {
    char path[] = "/tmp/lcprof-perfmap-XXXXXX";
    path_ = mkdtemp(path);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(PerfMapTest, PathIsPerPid) { EXPECT_EQ(PerfMap::PathFor(1234), "/tmp/perf-1234.map"); }

TEST(PerfMapTest, ParsesWhatRuntimesWrite) {
  PerfMap map = PerfMap::Parse(
      // node --perf-basic-prof: lower-case hex, no prefix, names with spaces.
      "7fc700006180 180 JS:*fib /tmp/hot.js:1:13\n"
      // .NET: upper case, zero-padded.
      "00007FA7B8A10000 5C [PreStub] void [System.Private.CoreLib] System.Object::.ctor()\n"
      // perf-map-agent style 0x prefixes, a tab, and a CRLF line end.
      "0x7f0000001000\t0x20 Ljava/lang/String;::hashCode\r\n"
      // The last line may lack its newline.
      "7f0000002000 10 py::f:/tmp/x.py");
  ASSERT_EQ(map.entries().size(), 4u);
  EXPECT_EQ(NameAt(map, 0x7fc700006188), "JS:*fib /tmp/hot.js:1:13");
  EXPECT_EQ(NameAt(map, 0x7FA7B8A10000),
            "[PreStub] void [System.Private.CoreLib] System.Object::.ctor()");
  EXPECT_EQ(NameAt(map, 0x7f000000101f), "Ljava/lang/String;::hashCode");
  EXPECT_EQ(NameAt(map, 0x7f0000002000), "py::f:/tmp/x.py");
}

TEST(PerfMapTest, MalformedLinesAreSkipped) {
  PerfMap map = PerfMap::Parse(
      "\n"
      "not a map line\n"
      "1000\n"                       // no size
      "1000 10\n"                    // no name
      "1000 10 \n"                   // a blank name
      "zz 10 bad_start\n"            // not hex
      "1000 zz bad_size\n"           // not hex
      "1000 0 zero_size\n"           // empty range
      "ffffffffffffffff 10 wraps\n"  // end past 2^64
      "10000000000000000 10 too_many_digits\n"
      "1000 10good_no_blank\n"  // size must end at a blank
      "0x 10 no_digits\n"
      "2000 10 good\n");
  ASSERT_EQ(map.entries().size(), 1u);
  EXPECT_EQ(map.entries()[0].name, "good");
  EXPECT_EQ(NameAt(map, 0x1000), "<none>");
}

TEST(PerfMapTest, RangesIncludeTheStartAndExcludeTheEnd) {
  PerfMap map = PerfMap::Parse("1000 10 a\n1010 10 b\n1040 10 c\n");
  EXPECT_EQ(NameAt(map, 0xfff), "<none>");
  EXPECT_EQ(NameAt(map, 0x1000), "a");
  EXPECT_EQ(NameAt(map, 0x100f), "a");
  EXPECT_EQ(NameAt(map, 0x1010), "b");
  EXPECT_EQ(NameAt(map, 0x1020), "<none>");  // a gap
  EXPECT_EQ(NameAt(map, 0x104f), "c");
  EXPECT_EQ(NameAt(map, 0x1050), "<none>");
  EXPECT_EQ(NameAt(map, 0), "<none>");
  EXPECT_EQ(NameAt(map, UINT64_MAX), "<none>");
}

// Code freed or moved and its memory reused: the line written last is the
// code there now.
TEST(PerfMapTest, TheNewestOfOverlappingEntriesWins) {
  PerfMap map = PerfMap::Parse(
      "1000 100 old_big\n"
      "1040 20 newer_inside\n"
      "10f0 20 newer_across_the_end\n"
      "1040 20 newest_same_range\n");
  EXPECT_EQ(NameAt(map, 0x1000), "old_big");
  EXPECT_EQ(NameAt(map, 0x1040), "newest_same_range");
  EXPECT_EQ(NameAt(map, 0x105f), "newest_same_range");
  EXPECT_EQ(NameAt(map, 0x1060), "old_big");
  EXPECT_EQ(NameAt(map, 0x10ef), "old_big");
  EXPECT_EQ(NameAt(map, 0x10f0), "newer_across_the_end");
  EXPECT_EQ(NameAt(map, 0x110f), "newer_across_the_end");
  EXPECT_EQ(NameAt(map, 0x1110), "<none>");

  // An older entry never hides a newer one, whatever the order of starts.
  PerfMap reverse = PerfMap::Parse("1040 20 small_old\n1000 100 big_new\n");
  EXPECT_EQ(NameAt(reverse, 0x1050), "big_new");
}

TEST(PerfMapTest, ReadsAFileInBlocks) {
  TempDir dir;
  std::string text;
  // Enough lines to cross the reader's 64 KiB blocks mid-line.
  for (int i = 0; i < 5000; ++i) {
    char line[64];
    snprintf(line, sizeof line, "%x 10 fn_%d\n", 0x100000 + i * 0x10, i);
    text += line;
  }
  WriteFile(dir.File("perf.map"), text);
  PerfMap map = PerfMap::Read(dir.File("perf.map"));
  EXPECT_EQ(map.entries().size(), 5000u);
  EXPECT_EQ(NameAt(map, 0x100000), "fn_0");
  EXPECT_EQ(NameAt(map, 0x100000 + 4321 * 0x10 + 3), "fn_4321");
}

TEST(PerfMapTest, OverlongLinesAreSkippedWhole) {
  TempDir dir;
  WriteFile(dir.File("perf.map"),
            "1000 10 before\n2000 10 " + std::string(200000, 'x') + "\n3000 10 after\n");
  PerfMap map = PerfMap::Read(dir.File("perf.map"));
  EXPECT_EQ(NameAt(map, 0x1000), "before");
  EXPECT_EQ(NameAt(map, 0x2000), "<none>");
  EXPECT_EQ(NameAt(map, 0x3000), "after");
}

TEST(PerfMapTest, MissingOrSpecialFilesGiveAnEmptyMap) {
  TempDir dir;
  EXPECT_TRUE(PerfMap::Read(dir.File("missing.map")).entries().empty());
  EXPECT_TRUE(PerfMap::Read(dir.File("")).entries().empty());  // the directory
  // A FIFO planted at the path must not block the writer.
  ASSERT_EQ(mkfifo(dir.File("fifo.map").c_str(), 0600), 0);
  EXPECT_TRUE(PerfMap::Read(dir.File("fifo.map")).entries().empty());
  WriteFile(dir.File("binary.map"), std::string("\0\xff\x01 junk\n\0", 11));
  EXPECT_TRUE(PerfMap::Read(dir.File("binary.map")).entries().empty());
}

TEST(PerfMapTest, AMapOwnedBySomeoneElseIsIgnored) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give the file away";
  TempDir dir;
  const std::string path = dir.File("perf.map");
  WriteFile(path, "1000 10 planted\n");
  ASSERT_EQ(chown(path.c_str(), 12345, 12345), 0);
  EXPECT_TRUE(PerfMap::Read(path).entries().empty());
  ASSERT_EQ(chown(path.c_str(), 0, 0), 0);
  EXPECT_EQ(PerfMap::Read(path).entries().size(), 1u);
}

}  // namespace
}  // namespace lcprof
