// Unit tests for profiler/symbolizer.{h,cc}: resolving runtime addresses of
// this very process (its own code, libc, the vDSO) and synthetic mappings.
#include "profiler/output/symbolizer.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

extern "C" __attribute__((noinline)) int lcprof_test_marker(int x) {
  asm volatile("" : "+r"(x));  // keep a real body at a real address
  return x * 7 + 2;
}

namespace lcprof {
namespace {

uintptr_t MarkerAddress() { return reinterpret_cast<uintptr_t>(&lcprof_test_marker); }

TEST(SymbolizerTest, KeepsOnlyExecutableMappingsSorted) {
  std::vector<MemoryMapping> maps = ParseProcMaps(
      "7000-8000 r-xp 00000000 00:00 0 /b\n"
      "1000-2000 r--p 00000000 00:00 0 /a\n"
      "3000-4000 r-xp 00001000 00:00 0 /a\n"
      "5000-6000 rw-p 00000000 00:00 0 \n"
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n");
  Symbolizer symbolizer(maps);
  ASSERT_EQ(symbolizer.mappings().size(), 3u);
  EXPECT_EQ(symbolizer.mappings()[0].start, 0x3000u);
  EXPECT_EQ(symbolizer.mappings()[1].start, 0x7000u);
  EXPECT_EQ(symbolizer.mappings()[2].path, "[vsyscall]");

  ResolvedAddress r = symbolizer.Resolve(0x3010);
  EXPECT_EQ(r.mapping_index, 0);
  EXPECT_EQ(r.module_offset, 0x1010u);
  EXPECT_EQ(r.function, "");  // "/a" does not exist

  EXPECT_EQ(symbolizer.Resolve(0x1010).mapping_index, -1);  // not executable
  EXPECT_EQ(symbolizer.Resolve(0x4000).mapping_index, -1);  // end is exclusive
  EXPECT_EQ(symbolizer.Resolve(0x0).mapping_index, -1);
  EXPECT_EQ(symbolizer.Resolve(0xffffffffff600000).mapping_index, 2);
  EXPECT_EQ(symbolizer.BuildId(0), "");
  EXPECT_EQ(symbolizer.BuildId(-1), "");
  EXPECT_EQ(symbolizer.BuildId(3), "");
}

TEST(SymbolizerTest, ResolvesOwnFunction) {
  Symbolizer symbolizer(ReadProcMaps());
  EXPECT_EQ(lcprof_test_marker(1), 9);
  ResolvedAddress r = symbolizer.Resolve(MarkerAddress());
  ASSERT_GE(r.mapping_index, 0);
  EXPECT_EQ(r.function, "lcprof_test_marker");
  const MemoryMapping& m = symbolizer.mappings()[static_cast<size_t>(r.mapping_index)];
  EXPECT_EQ(r.module_offset, MarkerAddress() - m.start + m.file_offset);

  ResolvedAddress inside = symbolizer.Resolve(MarkerAddress() + 1);
  EXPECT_EQ(inside.mapping_index, r.mapping_index);
  EXPECT_EQ(inside.function, "lcprof_test_marker");
  EXPECT_EQ(inside.module_offset, r.module_offset + 1);

  std::optional<ElfSymbols> exe = ElfSymbols::FromFile("/proc/self/exe");
  ASSERT_TRUE(exe.has_value());
  EXPECT_FALSE(exe->build_id().empty());
  EXPECT_EQ(symbolizer.BuildId(r.mapping_index), exe->build_id());
}

TEST(SymbolizerTest, ResolvesLibcRead) {
  // Ask libc itself: RTLD_DEFAULT could find an interposer (e.g. ASan's read).
  void* libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
  ASSERT_NE(libc, nullptr);
  void* read_fn = dlsym(libc, "read");
  dlclose(libc);
  ASSERT_NE(read_fn, nullptr);

  Symbolizer symbolizer(ReadProcMaps());
  ResolvedAddress r = symbolizer.Resolve(reinterpret_cast<uintptr_t>(read_fn));
  ASSERT_GE(r.mapping_index, 0);
  EXPECT_NE(symbolizer.mappings()[static_cast<size_t>(r.mapping_index)].path.find("libc.so.6"),
            std::string::npos);
  EXPECT_EQ(r.function, "read");
  EXPECT_EQ(symbolizer.Resolve(reinterpret_cast<uintptr_t>(read_fn) + 4).function, "read");
  EXPECT_EQ(symbolizer.BuildId(r.mapping_index).size(), 40u);
}

TEST(SymbolizerTest, GapBetweenFunctionsHasNoName) {
  std::optional<ElfSymbols> exe = ElfSymbols::FromFile("/proc/self/exe");
  ASSERT_TRUE(exe.has_value());
  const ElfSymbols::Symbol* marker = nullptr;
  for (const ElfSymbols::Symbol& s : exe->symbols()) {
    if (s.name == "lcprof_test_marker") marker = &s;
  }
  ASSERT_NE(marker, nullptr);
  // Runtime address = ELF vaddr + load bias (one bias for the whole PIE).
  const uintptr_t bias = MarkerAddress() - marker->value;

  Symbolizer symbolizer(ReadProcMaps());
  const int exe_mapping = symbolizer.Resolve(MarkerAddress()).mapping_index;
  ASSERT_GE(exe_mapping, 0);
  const std::vector<ElfSymbols::Symbol>& syms = exe->symbols();
  int gaps_checked = 0;
  for (size_t i = 0; i + 1 < syms.size() && gaps_checked < 20; ++i) {
    uint64_t gap = syms[i].value + syms[i].size;
    if (gap >= syms[i + 1].value || exe->Lookup(gap) != nullptr) continue;  // no gap here
    ResolvedAddress r = symbolizer.Resolve(bias + gap);
    if (r.mapping_index != exe_mapping) continue;  // gap outside the text mapping
    EXPECT_EQ(r.function, "") << "gap after " << syms[i].name << " at vaddr 0x" << std::hex << gap;
    // And the first byte of the next function is named again.
    EXPECT_EQ(symbolizer.Resolve(bias + syms[i + 1].value).function,
              exe->Lookup(syms[i + 1].value)->name);
    ++gaps_checked;
  }
  EXPECT_GT(gaps_checked, 0);
}

TEST(SymbolizerTest, ResolvesVdso) {
  uintptr_t base = getauxval(AT_SYSINFO_EHDR);
  if (base == 0) GTEST_SKIP() << "no vDSO";
  Symbolizer symbolizer(ReadProcMaps());
  int vdso_index = -1;
  for (size_t i = 0; i < symbolizer.mappings().size(); ++i) {
    if (symbolizer.mappings()[i].path == "[vdso]") vdso_index = static_cast<int>(i);
  }
  ASSERT_GE(vdso_index, 0);
  const MemoryMapping& vdso = symbolizer.mappings()[static_cast<size_t>(vdso_index)];
  EXPECT_EQ(vdso.start, base);

  std::optional<ElfSymbols> image =
      ElfSymbols::FromMemory(reinterpret_cast<const void*>(base), vdso.end - base);
  ASSERT_TRUE(image.has_value());
  ASSERT_FALSE(image->load_segments().empty());
  const ElfSymbols::Symbol* clock = nullptr;
  for (const ElfSymbols::Symbol& s : image->symbols()) {
    if (s.name == "clock_gettime" || s.name == "__vdso_clock_gettime") clock = &s;
  }
  ASSERT_NE(clock, nullptr);
  const ElfLoadSegment& first = image->load_segments()[0];
  uintptr_t address = base + (clock->value - first.vaddr) + first.file_offset;
  ResolvedAddress r = symbolizer.Resolve(address + 2);
  EXPECT_EQ(r.mapping_index, vdso_index);
  EXPECT_EQ(r.function, clock->name);
  EXPECT_EQ(r.module_offset, address + 2 - vdso.start);
  EXPECT_EQ(symbolizer.BuildId(vdso_index), image->build_id());

  // glibc registers the vDSO as a loaded object; when it does, its exported
  // address must resolve to the same function.
  if (void* h = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_NOLOAD)) {
    void* fn = dlsym(h, "__vdso_clock_gettime");
    dlclose(h);
    if (fn != nullptr) {
      EXPECT_EQ(symbolizer.Resolve(reinterpret_cast<uintptr_t>(fn)).function, clock->name);
    }
  }
}

// JIT code: anonymous executable memory, and addresses in no executable
// mapping, take their names from the runtime's perf map; file-backed code
// never does.
class SymbolizerJitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/lcprof-symbolizer-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    map_path_ = dir_ + "/perf.map";
    FILE* f = fopen(map_path_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs(
        "7000 40 jit_in_anonymous\n"
        "3000 40 jit_over_a_file\n"
        "9000 40 jit_freed\n"
        "b000 40 jit_in_memfd\n",
        f);
    fclose(f);
  }
  void TearDown() override {
    unlink(map_path_.c_str());
    rmdir(dir_.c_str());
  }

  static std::vector<MemoryMapping> Maps() {
    return ParseProcMaps(
        "3000-4000 r-xp 00001000 00:00 0 /a\n"
        "7000-8000 r-xp 00000000 00:00 0 \n"
        "b000-c000 r-xp 00000000 00:01 7 /memfd:doublemapper (deleted)\n");
  }

  std::string dir_, map_path_;
};

TEST_F(SymbolizerJitTest, AnonymousCodeIsNamedFromThePerfMap) {
  Symbolizer symbolizer(Maps(), "/usr/lib/debug", map_path_);
  ResolvedAddress r = symbolizer.Resolve(0x7010);
  EXPECT_EQ(r.mapping_index, 1);
  EXPECT_TRUE(r.jit);
  EXPECT_EQ(r.function, "jit_in_anonymous");
  EXPECT_EQ(r.module_offset, 0x10u);

  ResolvedAddress memfd = symbolizer.Resolve(0xb000);
  EXPECT_TRUE(memfd.jit);
  EXPECT_EQ(memfd.function, "jit_in_memfd");

  // Anonymous code the map does not cover: JIT, unnamed.
  ResolvedAddress unnamed = symbolizer.Resolve(0x7800);
  EXPECT_EQ(unnamed.mapping_index, 1);
  EXPECT_TRUE(unnamed.jit);
  EXPECT_EQ(unnamed.function, "");
}

TEST_F(SymbolizerJitTest, FreedCodeIsNamedFromThePerfMap) {
  Symbolizer symbolizer(Maps(), "/usr/lib/debug", map_path_);
  ResolvedAddress r = symbolizer.Resolve(0x9008);
  EXPECT_EQ(r.mapping_index, -1);
  EXPECT_TRUE(r.jit);
  EXPECT_EQ(r.function, "jit_freed");
  ResolvedAddress nothing = symbolizer.Resolve(0x10);
  EXPECT_EQ(nothing.mapping_index, -1);
  EXPECT_TRUE(nothing.jit);
  EXPECT_EQ(nothing.function, "");
}

TEST_F(SymbolizerJitTest, FileBackedCodeIsNeverNamedFromThePerfMap) {
  Symbolizer symbolizer(Maps(), "/usr/lib/debug", map_path_);
  ResolvedAddress r = symbolizer.Resolve(0x3010);
  EXPECT_EQ(r.mapping_index, 0);
  EXPECT_FALSE(r.jit);
  EXPECT_EQ(r.function, "");
}

TEST_F(SymbolizerJitTest, WithoutAMapJitCodeIsUnnamed) {
  Symbolizer symbolizer(Maps(), "/usr/lib/debug", dir_ + "/missing.map");
  ResolvedAddress r = symbolizer.Resolve(0x7010);
  EXPECT_TRUE(r.jit);
  EXPECT_EQ(r.function, "");
}

TEST(SymbolizerTest, AnonymousCodeKinds) {
  auto anonymous = [](const char* line) {
    std::vector<MemoryMapping> m = ParseProcMaps(line);
    return !m.empty() && Symbolizer::IsAnonymousCode(m[0]);
  };
  EXPECT_TRUE(anonymous("7000-8000 rwxp 00000000 00:00 0 \n"));
  EXPECT_TRUE(anonymous("7000-8000 r-xp 00000000 00:00 0 [anon:v8 code]\n"));
  EXPECT_TRUE(anonymous("7000-8000 rwxp 00000000 00:00 0 [heap]\n"));
  EXPECT_TRUE(anonymous("7000-8000 rwxp 00000000 00:00 0 [stack]\n"));
  EXPECT_TRUE(anonymous("7000-8000 r-xp 00000000 00:01 9 /memfd:doublemapper (deleted)\n"));
  EXPECT_TRUE(anonymous("7000-8000 r-xp 00000000 00:05 4 /dev/zero (deleted)\n"));
  EXPECT_FALSE(anonymous("7000-8000 r-xp 00000000 08:01 5 /usr/lib/libc.so.6\n"));
  EXPECT_FALSE(anonymous("7000-8000 r-xp 00000000 00:00 0 [vdso]\n"));
  EXPECT_FALSE(anonymous("7000-8000 --xp 00000000 00:00 0 [vsyscall]\n"));
}

}  // namespace
}  // namespace lcprof
