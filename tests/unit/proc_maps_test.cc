// Unit tests for profiler/proc_maps.{h,cc}: parsing /proc/PID/maps text, which
// the symbolizer relies on to find the module behind each sampled address.
#include "profiler/base/proc_maps.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace lcprof {
namespace {

TEST(ParseProcMapsTest, ParsesFieldsPathsWithSpacesAndDeleted) {
  const std::string text =
      "563142005000-563142007000 r--p 00000000 fe:00 247134                     /usr/bin/cat\n"
      "563142007000-56314200c000 r-xp 00002000 fe:00 247134                     /usr/bin/cat\n"
      "7f2701000000-7f2701022000 rw-p 00000000 00:00 0 \n"
      "7f2701083000-7f27010a9000 r-xs 00001000 fe:01 42   /opt/my app/lib two.so\n"
      "7f27010a9000-7f27011ff000 r-xp 00026000 08:02 99  /tmp/jit code.so (deleted)\n"
      "7ffdcdec6000-7ffdcdee7000 rw-p 00000000 00:00 0                          [stack]\n"
      "7f2701278000-7f270127a000 r-xp 00000000 00:00 0                          [vdso]";
  std::vector<MemoryMapping> maps = ParseProcMaps(text);
  ASSERT_EQ(maps.size(), 7u);

  EXPECT_EQ(maps[0].start, uintptr_t{0x563142005000});
  EXPECT_EQ(maps[0].end, uintptr_t{0x563142007000});
  EXPECT_EQ(maps[0].file_offset, 0u);
  EXPECT_TRUE(maps[0].readable);
  EXPECT_FALSE(maps[0].writable);
  EXPECT_FALSE(maps[0].executable);
  EXPECT_TRUE(maps[0].is_private);
  EXPECT_EQ(maps[0].path, "/usr/bin/cat");
  EXPECT_FALSE(maps[0].deleted);

  EXPECT_TRUE(maps[1].executable);
  EXPECT_EQ(maps[1].file_offset, 0x2000u);

  EXPECT_EQ(maps[2].path, "");
  EXPECT_TRUE(maps[2].writable);
  EXPECT_FALSE(maps[2].executable);

  EXPECT_EQ(maps[3].path, "/opt/my app/lib two.so");
  EXPECT_FALSE(maps[3].is_private);
  EXPECT_TRUE(maps[3].executable);
  EXPECT_EQ(maps[3].file_offset, 0x1000u);
  EXPECT_FALSE(maps[3].deleted);

  EXPECT_EQ(maps[4].path, "/tmp/jit code.so");
  EXPECT_TRUE(maps[4].deleted);
  EXPECT_EQ(maps[4].file_offset, 0x26000u);

  EXPECT_EQ(maps[5].path, "[stack]");
  EXPECT_EQ(maps[6].path, "[vdso]");  // last line has no newline
  EXPECT_TRUE(maps[6].executable);
}

TEST(ParseProcMapsTest, SkipsMalformedLines) {
  const std::string text =
      "\n"
      "garbage\n"
      "1000-2000 r-xp 00000000 00:00\n"          // no inode
      "1000 r-xp 00000000 00:00 0 /a\n"          // no dash
      "2000-1000 r-xp 00000000 00:00 0 /a\n"     // end < start
      "1000-2000 rwx 00000000 00:00 0 /a\n"      // short perms
      "1000-2000 r-xq 00000000 00:00 0 /a\n"     // bad share flag
      "1000-2000 r-xp 0000zz00 00:00 0 /a\n"     // bad offset
      "1000-2000 r-xp 00000000 0000 0 /a\n"      // bad device
      "1000-2000 r-xp 00000000 00:00 12x /a\n"   // bad inode
      "10000000000000000-2 r-xp 0 00:00 0 /a\n"  // overflow
      "3000-4000 r-xp 00000000 00:00 0 /ok\n";
  std::vector<MemoryMapping> maps = ParseProcMaps(text);
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(maps[0].start, 0x3000u);
  EXPECT_EQ(maps[0].path, "/ok");
}

TEST(ParseProcMapsTest, DeletedOnlyAsSuffix) {
  std::vector<MemoryMapping> maps = ParseProcMaps(
      "1000-2000 r-xp 0 00:00 1 /x (deleted)/y.so\n1000-2000 r-xp 0 00:00 1 (deleted)\n");
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(maps[0].path, "/x (deleted)/y.so");
  EXPECT_FALSE(maps[0].deleted);
  // Nothing but the suffix: a (strange) file name, not a deleted empty path.
  EXPECT_EQ(maps[1].path, "(deleted)");
  EXPECT_FALSE(maps[1].deleted);
}

TEST(ReadProcMapsTest, FindsOwnCode) {
  std::vector<MemoryMapping> maps = ReadProcMaps();
  ASSERT_FALSE(maps.empty());
  auto code = reinterpret_cast<uintptr_t>(&ParseProcMaps);
  bool found = false;
  for (const MemoryMapping& m : maps) {
    if (m.start <= code && code < m.end) {
      found = true;
      EXPECT_TRUE(m.executable);
      EXPECT_TRUE(m.readable);
      EXPECT_FALSE(m.path.empty());
    }
  }
  EXPECT_TRUE(found);
}

TEST(ReadProcMapsTest, MissingFileGivesEmpty) {
  EXPECT_TRUE(ReadProcMaps("/nonexistent/lcprof/maps").empty());
}

}  // namespace
}  // namespace lcprof
