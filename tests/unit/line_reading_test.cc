// Which modules' file:line a profiled process reads (LCPROF_LINES,
// symbolizer.h): the section headers tell where the tables are and what
// they inflate to; `auto` leaves out debug info past the limit and says so;
// `none` reads nothing; `all` everything.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include "profiler/base/proc_maps.h"
#include "profiler/output/elf_symbols.h"
#include "profiler/output/symbolizer.h"

namespace lcprof {
namespace {

TEST(LineReadingTest, SectionHeadersTellWhereTheTablesAreAndTheirInflatedSize) {
  const auto plain = ElfSymbols::FromFile(LINES_PLUGIN_PATH);
  const auto gz = ElfSymbols::FromFile(LINES_PLUGIN_GZ_PATH);
  const auto none = ElfSymbols::FromFile(LINES_PLUGIN_NODEBUG_PATH);
  ASSERT_TRUE(plain && gz && none);
  EXPECT_TRUE(plain->dwarf().in_module);
  EXPECT_EQ(plain->dwarf().inflated_bytes, 0u);
  EXPECT_TRUE(gz->dwarf().in_module);
  // lines_plugin.c's DWARF is a few KiB; compressed it still announces it.
  EXPECT_GT(gz->dwarf().inflated_bytes, 1000u);
  EXPECT_LT(gz->dwarf().inflated_bytes, 1u << 20);
  EXPECT_FALSE(none->dwarf().in_module);
  EXPECT_FALSE(none->dwarf().in_build_id_file);
}

// Debian's binaries name their debug file in .gnu_debuglink; where it may
// be is looked up as gdb does, the build ID first.
TEST(LineReadingTest, DebuglinkNameAndWhereItsFileMayBe) {
  const auto bin_true = ElfSymbols::FromFile("/bin/true");
  ASSERT_TRUE(bin_true);
  EXPECT_FALSE(bin_true->dwarf().in_module);
  const std::string& link = bin_true->dwarf().debuglink;
  if (link.empty()) GTEST_SKIP() << "/bin/true has no .gnu_debuglink here";
  EXPECT_TRUE(link.ends_with(".debug")) << link;
  EXPECT_EQ(ElfSymbols::FromFile(LINES_PLUGIN_PATH)->dwarf().debuglink, "");

  EXPECT_EQ(LineTables::DebugFileCandidates("/usr/bin/app", "abcdef", "app.debug", "/dbg"),
            (std::vector<std::string>{"/dbg/.build-id/ab/cdef.debug", "/usr/bin/app.debug",
                                      "/usr/bin/.debug/app.debug", "/dbg/usr/bin/app.debug"}));
  // A link with a directory in it, or naming the file itself, is not followed.
  EXPECT_TRUE(LineTables::DebugFileCandidates("/a/b", "", "../x.debug", "/dbg").empty());
  EXPECT_EQ(LineTables::DebugFileCandidates("/a/b", "", "b", "/dbg"),
            (std::vector<std::string>{"/a/.debug/b", "/dbg/a/b"}));
}

// What a location shows: inlined frames innermost first (an unnamed one
// under the symbol's name), the symbol last; the symbol alone without lines.
TEST(LineReadingTest, LocationFramesNameEveryFrame) {
  const std::vector<SourceFrame> none = LocationFrames("outer", {});
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].function, "outer");
  EXPECT_EQ(none[0].file, "");
  const std::vector<SourceFrame> f =
      LocationFrames("outer", {{"inner", "a.c", 3}, {"", "b.c", 5}, {"", "c.c", 9}});
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].function, "inner");
  EXPECT_EQ(f[1].function, "outer");  // inlined, unnamed by the tables
  EXPECT_EQ(f[1].line, 5);
  EXPECT_EQ(f[2].function, "outer");
  EXPECT_EQ(f[2].file, "c.c");
  EXPECT_EQ(f[2].line, 9);
}

// The compressed library, loaded: plugin_burn's address resolved under each
// reading mode.
class LineReadingModes : public ::testing::Test {
 protected:
  void SetUp() override {
    handle_ = dlopen(LINES_PLUGIN_GZ_PATH, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    burn_ = reinterpret_cast<uintptr_t>(dlsym(handle_, "plugin_burn"));
    ASSERT_NE(burn_, 0u);
    if (!LineTables::Available()) GTEST_SKIP() << "no libdw";
  }
  void TearDown() override {
    if (handle_ != nullptr) dlclose(handle_);
  }
  void* handle_ = nullptr;
  uintptr_t burn_ = 0;
};

TEST_F(LineReadingModes, AutoReadsCompressedTablesWithinTheLimit) {
  Symbolizer symbolizer(ReadProcMaps());
  symbolizer.set_line_reading(LineReading::kAuto);
  const ResolvedAddress r = symbolizer.Resolve(burn_ + 1);
  EXPECT_EQ(r.function, "plugin_burn");
  ASSERT_FALSE(r.source.empty());
  EXPECT_NE(r.source.back().file.find("lines_plugin.c"), std::string::npos);
  EXPECT_TRUE(symbolizer.lines_left_out().empty());
}

TEST_F(LineReadingModes, AutoLeavesOutTablesPastTheLimitAndNamesThem) {
  Symbolizer symbolizer(ReadProcMaps());
  symbolizer.set_line_reading(LineReading::kAuto, /*inflate_limit=*/100);
  const ResolvedAddress r = symbolizer.Resolve(burn_ + 1);
  EXPECT_EQ(r.function, "plugin_burn");  // names stay
  EXPECT_TRUE(r.source.empty());
  ASSERT_EQ(symbolizer.lines_left_out().size(), 1u);
  EXPECT_EQ(symbolizer.lines_left_out()[0].rfind("liblines_plugin_gz.so (", 0), 0u)
      << symbolizer.lines_left_out()[0];
}

TEST_F(LineReadingModes, AllIgnoresTheLimitAndNoneReadsNothing) {
  Symbolizer all(ReadProcMaps());
  all.set_line_reading(LineReading::kAll, /*inflate_limit=*/100);
  EXPECT_FALSE(all.Resolve(burn_ + 1).source.empty());
  Symbolizer none(ReadProcMaps());
  none.set_line_reading(LineReading::kNone);
  const ResolvedAddress r = none.Resolve(burn_ + 1);
  EXPECT_EQ(r.function, "plugin_burn");
  EXPECT_TRUE(r.source.empty());
  EXPECT_TRUE(none.lines_left_out().empty());
}

}  // namespace
}  // namespace lcprof
