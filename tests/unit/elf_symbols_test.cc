// Unit tests for profiler/elf_symbols.{h,cc}: symbol tables, build IDs and load
// segments of real binaries (this test, libc, the vDSO), a hand-built image for
// the dedup/overlap rules, and malformed input that must never crash.
#include "profiler/output/elf_symbols.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "profiler/base/proc_maps.h"

extern "C" __attribute__((noinline)) int lcprof_elf_test_marker(int x) {
  asm volatile("" : "+r"(x));  // keep the body from being folded away
  return x * 3 + 1;
}

namespace lcprof {
namespace {

std::string SelfExePath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

const ElfSymbols::Symbol* FindByName(const ElfSymbols& elf, const std::string& name) {
  for (const ElfSymbols::Symbol& s : elf.symbols()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// The [vdso] mapping of this process as (base, size); base is AT_SYSINFO_EHDR.
std::pair<const uint8_t*, size_t> VdsoImage() {
  uintptr_t base = getauxval(AT_SYSINFO_EHDR);
  for (const MemoryMapping& m : ReadProcMaps()) {
    if (m.path == "[vdso]" && m.start <= base && base < m.end) {
      return {reinterpret_cast<const uint8_t*>(base), m.end - base};
    }
  }
  return {nullptr, 0};
}

// Copies `n` bytes into an exactly sized heap block, so that ASan flags any
// read past the end.
std::unique_ptr<uint8_t[]> ExactCopy(const uint8_t* data, size_t n) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[n == 0 ? 1 : n]);
  if (n != 0) std::memcpy(copy.get(), data, n);
  return copy;
}

std::vector<uint8_t> ReadWholeFile(const std::string& path) {
  std::vector<uint8_t> bytes;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return bytes;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  std::fclose(f);
  return bytes;
}

TEST(ElfSymbolsTest, BuildIdMatchesReadelf) {
  std::string exe = SelfExePath();
  ASSERT_FALSE(exe.empty());
  // readelf must be given the real path: inside popen's shell /proc/self/exe
  // would name the shell (or readelf) itself.
  std::string cmd = "readelf -n '" + exe + "' 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string expected;
  char line[1024];
  while (std::fgets(line, sizeof(line), p) != nullptr) {
    const char* at = std::strstr(line, "Build ID: ");
    if (at != nullptr && expected.empty()) {
      expected = at + std::strlen("Build ID: ");
      while (!expected.empty() && (expected.back() == '\n' || expected.back() == ' ')) {
        expected.pop_back();
      }
    }
  }
  int status = pclose(p);
  if (status != 0 && expected.empty()) GTEST_SKIP() << "readelf not available";
  ASSERT_FALSE(expected.empty()) << "test binary has no build ID (link with -Wl,--build-id)";

  std::optional<ElfSymbols> elf = ElfSymbols::FromFile("/proc/self/exe");
  ASSERT_TRUE(elf.has_value());
  EXPECT_EQ(elf->build_id(), expected);
}

TEST(ElfSymbolsTest, FindsOwnFunctionByRange) {
  std::optional<ElfSymbols> elf = ElfSymbols::FromFile("/proc/self/exe");
  ASSERT_TRUE(elf.has_value());
  EXPECT_GT(elf->symbol_count(), 10u);
  EXPECT_EQ(elf->symbol_count(), elf->symbols().size());
  const ElfSymbols::Symbol* marker = FindByName(*elf, "lcprof_elf_test_marker");
  ASSERT_NE(marker, nullptr);
  ASSERT_GT(marker->size, 0u);
  EXPECT_EQ(elf->Lookup(marker->value), marker);
  EXPECT_EQ(elf->Lookup(marker->value + marker->size - 1), marker);
  EXPECT_NE(elf->Lookup(marker->value + marker->size), marker);

  // The symbol sits in an executable PT_LOAD, and offset<->vaddr round-trips.
  bool in_exec_segment = false;
  for (const ElfLoadSegment& s : elf->load_segments()) {
    if (s.executable && marker->value >= s.vaddr && marker->value - s.vaddr < s.file_size) {
      in_exec_segment = true;
      uint64_t offset = s.file_offset + (marker->value - s.vaddr);
      EXPECT_EQ(elf->FileOffsetToVaddr(offset), std::optional<uint64_t>(marker->value));
    }
  }
  EXPECT_TRUE(in_exec_segment);
}

TEST(ElfSymbolsTest, LibcDynsymPrefersPlainName) {
  std::string libc;
  for (const MemoryMapping& m : ReadProcMaps()) {
    if (m.path.find("/libc.so.6") != std::string::npos) libc = m.path;
  }
  if (libc.empty()) GTEST_SKIP() << "libc.so.6 not mapped";
  std::optional<ElfSymbols> elf = ElfSymbols::FromFile(libc);
  ASSERT_TRUE(elf.has_value());
  EXPECT_EQ(elf->build_id().size(), 40u);
  const ElfSymbols::Symbol* read = FindByName(*elf, "read");
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(elf->Lookup(read->value + 1), read);
  // "__read" shares read's range in .dynsym; dedup must have dropped it.
  const ElfSymbols::Symbol* alias = FindByName(*elf, "__read");
  EXPECT_TRUE(alias == nullptr || alias->value != read->value || alias->size != read->size);
  for (const ElfSymbols::Symbol& s : elf->symbols()) {
    EXPECT_EQ(s.name.find('@'), std::string::npos) << s.name;
  }
  // With libc6-dbg installed the .build-id debug file adds .symtab (local)
  // names; the exported name still wins over __libc_read/__GI_read/__read.
  std::optional<ElfSymbols> without_debug = ElfSymbols::FromFile(libc, "/nonexistent");
  ASSERT_TRUE(without_debug.has_value());
  EXPECT_LE(without_debug->symbol_count(), elf->symbol_count());
  const ElfSymbols::Symbol* plain_read = FindByName(*without_debug, "read");
  ASSERT_NE(plain_read, nullptr);
  EXPECT_EQ(plain_read->value, read->value);
}

TEST(ElfSymbolsTest, VdsoFromMemory) {
  auto [base, size] = VdsoImage();
  if (base == nullptr) GTEST_SKIP() << "no vDSO";
  std::optional<ElfSymbols> elf = ElfSymbols::FromMemory(base, size);
  ASSERT_TRUE(elf.has_value());
  const ElfSymbols::Symbol* s = FindByName(*elf, "clock_gettime");
  if (s == nullptr) s = FindByName(*elf, "__vdso_clock_gettime");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(elf->Lookup(s->value), s);
  ASSERT_FALSE(elf->load_segments().empty());
  EXPECT_TRUE(elf->load_segments()[0].executable);
}

// Patches a copy of the vDSO so only PT_DYNAMIC can lead to its symbols.
TEST(ElfSymbolsTest, VdsoWithoutSectionHeadersUsesDynamic) {
  auto [base, size] = VdsoImage();
  if (base == nullptr) GTEST_SKIP() << "no vDSO";
  std::optional<ElfSymbols> full = ElfSymbols::FromMemory(base, size);
  ASSERT_TRUE(full.has_value());

  std::unique_ptr<uint8_t[]> copy = ExactCopy(base, size);
  Elf64_Ehdr ehdr;
  std::memcpy(&ehdr, copy.get(), sizeof(ehdr));
  ehdr.e_shoff = 0;
  ehdr.e_shnum = 0;
  ehdr.e_shstrndx = 0;
  std::memcpy(copy.get(), &ehdr, sizeof(ehdr));
  std::optional<ElfSymbols> via_dynamic = ElfSymbols::FromMemory(copy.get(), size);
  ASSERT_TRUE(via_dynamic.has_value());
  EXPECT_EQ(via_dynamic->symbol_count(), full->symbol_count());
  EXPECT_EQ(via_dynamic->build_id(), full->build_id());

  // Hide DT_HASH as well, leaving DT_GNU_HASH (if the kernel emitted one).
  bool hid_hash = false;
  for (uint16_t i = 0; i < ehdr.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, copy.get() + ehdr.e_phoff + i * sizeof(ph), sizeof(ph));
    if (ph.p_type != PT_DYNAMIC) continue;
    for (uint64_t off = ph.p_offset; off + sizeof(Elf64_Dyn) <= ph.p_offset + ph.p_filesz;
         off += sizeof(Elf64_Dyn)) {
      Elf64_Dyn dyn;
      std::memcpy(&dyn, copy.get() + off, sizeof(dyn));
      if (dyn.d_tag == DT_HASH) {
        dyn.d_tag = DT_VERSYM;  // a tag the reader ignores
        std::memcpy(copy.get() + off, &dyn, sizeof(dyn));
        hid_hash = true;
      }
    }
  }
  if (hid_hash) {
    std::optional<ElfSymbols> via_gnu_hash = ElfSymbols::FromMemory(copy.get(), size);
    ASSERT_TRUE(via_gnu_hash.has_value());
    EXPECT_EQ(via_gnu_hash->symbol_count(), full->symbol_count());
  }
}

// --- A hand-built image: one PT_LOAD, .text, .symtab, .strtab. ---

struct TestSym {
  std::string name;
  uint64_t value, size;
  unsigned char type, bind;
  uint16_t shndx;  // 1 = .text (executable), 2 = .data
};

std::vector<uint8_t> BuildElf(const std::vector<TestSym>& syms) {
  std::string strtab(1, '\0');
  std::vector<Elf64_Sym> table(1);  // index 0 is the null symbol
  for (const TestSym& t : syms) {
    Elf64_Sym s{};
    s.st_name = static_cast<uint32_t>(strtab.size());
    strtab += t.name;
    strtab.push_back('\0');
    s.st_info = static_cast<unsigned char>(ELF64_ST_INFO(t.bind, t.type));
    s.st_shndx = t.shndx;
    s.st_value = t.value;
    s.st_size = t.size;
    table.push_back(s);
  }
  const uint64_t phoff = sizeof(Elf64_Ehdr);
  const uint64_t symoff = phoff + sizeof(Elf64_Phdr);
  const uint64_t stroff = symoff + table.size() * sizeof(Elf64_Sym);
  const uint64_t shoff = (stroff + strtab.size() + 7) & ~uint64_t{7};
  const int kSections = 5;  // null, .text, .data, .symtab, .strtab
  std::vector<uint8_t> image(shoff + kSections * sizeof(Elf64_Shdr));

  Elf64_Ehdr e{};
  std::memcpy(e.e_ident, ELFMAG, SELFMAG);
  e.e_ident[EI_CLASS] = ELFCLASS64;
  e.e_ident[EI_DATA] = ELFDATA2LSB;
  e.e_ident[EI_VERSION] = EV_CURRENT;
  e.e_type = ET_DYN;
  e.e_machine = EM_X86_64;
  e.e_version = EV_CURRENT;
  e.e_phoff = phoff;
  e.e_shoff = shoff;
  e.e_ehsize = sizeof(Elf64_Ehdr);
  e.e_phentsize = sizeof(Elf64_Phdr);
  e.e_phnum = 1;
  e.e_shentsize = sizeof(Elf64_Shdr);
  e.e_shnum = kSections;
  std::memcpy(image.data(), &e, sizeof(e));

  Elf64_Phdr ph{};
  ph.p_type = PT_LOAD;
  ph.p_flags = PF_R | PF_X;
  ph.p_offset = 0;
  ph.p_vaddr = 0x400000;
  ph.p_filesz = ph.p_memsz = 0x10000;
  std::memcpy(image.data() + phoff, &ph, sizeof(ph));
  std::memcpy(image.data() + symoff, table.data(), table.size() * sizeof(Elf64_Sym));
  std::memcpy(image.data() + stroff, strtab.data(), strtab.size());

  Elf64_Shdr sh[kSections]{};
  sh[1].sh_type = SHT_PROGBITS;
  sh[1].sh_flags = SHF_ALLOC | SHF_EXECINSTR;
  sh[1].sh_addr = 0x401000;
  sh[1].sh_size = 0x1000;
  sh[2].sh_type = SHT_PROGBITS;
  sh[2].sh_flags = SHF_ALLOC | SHF_WRITE;
  sh[2].sh_addr = 0x402000;
  sh[2].sh_size = 0x1000;
  sh[3].sh_type = SHT_SYMTAB;
  sh[3].sh_offset = symoff;
  sh[3].sh_size = table.size() * sizeof(Elf64_Sym);
  sh[3].sh_entsize = sizeof(Elf64_Sym);
  sh[3].sh_link = 4;
  sh[4].sh_type = SHT_STRTAB;
  sh[4].sh_offset = stroff;
  sh[4].sh_size = strtab.size();
  std::memcpy(image.data() + shoff, sh, sizeof(sh));
  return image;
}

std::string NameAt(const ElfSymbols& elf, uint64_t vaddr) {
  const ElfSymbols::Symbol* s = elf.Lookup(vaddr);
  return s == nullptr ? "<none>" : s->name;
}

TEST(ElfSymbolsTest, DedupOverlapAndFiltering) {
  std::vector<uint8_t> image = BuildElf({
      {"__libc_read", 0x401000, 0x20, STT_FUNC, STB_GLOBAL, 1},
      {"read", 0x401000, 0x20, STT_FUNC, STB_WEAK, 1},
      {"__read", 0x401000, 0x20, STT_FUNC, STB_GLOBAL, 1},
      {"local_name", 0x401040, 0x10, STT_FUNC, STB_LOCAL, 1},
      {"global_name", 0x401040, 0x10, STT_FUNC, STB_GLOBAL, 1},
      {"outer", 0x401100, 0x100, STT_FUNC, STB_GLOBAL, 1},
      {"inner", 0x401140, 0x20, STT_FUNC, STB_LOCAL, 1},
      {"innermost", 0x401148, 0x8, STT_FUNC, STB_LOCAL, 1},
      {"zero_size", 0x401300, 0, STT_FUNC, STB_GLOBAL, 1},
      {"undefined", 0x401300, 0x10, STT_FUNC, STB_GLOBAL, SHN_UNDEF},
      {"data_object", 0x402000, 0x10, STT_OBJECT, STB_GLOBAL, 2},
      {"notype_in_data", 0x402100, 0x10, STT_NOTYPE, STB_GLOBAL, 2},
      {"notype_in_text", 0x401400, 0x10, STT_NOTYPE, STB_GLOBAL, 1},
      {"ifunc", 0x401500, 0x10, STT_GNU_IFUNC, STB_GLOBAL, 1},
      {"versioned@@GLIBC_2.2.5", 0x401600, 0x10, STT_FUNC, STB_GLOBAL, 1},
      {"wraps", ~uint64_t{0} - 4, 0x10, STT_FUNC, STB_GLOBAL, 1},
      {"", 0x401700, 0x10, STT_FUNC, STB_GLOBAL, 1},
  });
  std::optional<ElfSymbols> elf = ElfSymbols::FromMemory(image.data(), image.size());
  ASSERT_TRUE(elf.has_value());
  EXPECT_EQ(elf->build_id(), "");
  ASSERT_EQ(elf->load_segments().size(), 1u);
  EXPECT_EQ(elf->FileOffsetToVaddr(0x1000), std::optional<uint64_t>(0x401000));
  EXPECT_EQ(elf->FileOffsetToVaddr(0x20000), std::nullopt);

  EXPECT_EQ(NameAt(*elf, 0x401000), "read");
  EXPECT_EQ(NameAt(*elf, 0x40101f), "read");
  EXPECT_EQ(NameAt(*elf, 0x401020), "<none>");  // gap: never the preceding symbol
  EXPECT_EQ(NameAt(*elf, 0x400fff), "<none>");
  EXPECT_EQ(NameAt(*elf, 0x401045), "global_name");
  EXPECT_EQ(NameAt(*elf, 0x401100), "outer");
  EXPECT_EQ(NameAt(*elf, 0x401140), "inner");
  EXPECT_EQ(NameAt(*elf, 0x401148), "innermost");
  EXPECT_EQ(NameAt(*elf, 0x40114f), "innermost");
  EXPECT_EQ(NameAt(*elf, 0x401150), "inner");
  EXPECT_EQ(NameAt(*elf, 0x401160), "outer");
  EXPECT_EQ(NameAt(*elf, 0x4011ff), "outer");
  EXPECT_EQ(NameAt(*elf, 0x401200), "<none>");
  EXPECT_EQ(NameAt(*elf, 0x401300), "<none>");  // zero-size and undefined never match
  EXPECT_EQ(NameAt(*elf, 0x402000), "<none>");  // objects are not functions
  EXPECT_EQ(NameAt(*elf, 0x402100), "<none>");
  EXPECT_EQ(NameAt(*elf, 0x401400), "notype_in_text");
  EXPECT_EQ(NameAt(*elf, 0x401500), "ifunc");
  EXPECT_EQ(NameAt(*elf, 0x401600), "versioned");
  EXPECT_EQ(NameAt(*elf, 0x401700), "<none>");  // nameless
  // read, global_name, outer, inner, innermost, notype_in_text, ifunc, versioned.
  EXPECT_EQ(elf->symbol_count(), 8u);

  // Moving keeps Lookup results valid and pointing into the new owner.
  const ElfSymbols::Symbol* before = elf->Lookup(0x401000);
  ElfSymbols moved = std::move(*elf);
  EXPECT_EQ(moved.Lookup(0x401000), before);
}

TEST(ElfSymbolsTest, PartialOverlapPicksSmallerRange) {
  std::vector<uint8_t> image = BuildElf({
      {"big", 0x401000, 0x100, STT_FUNC, STB_GLOBAL, 1},
      {"small", 0x4010f0, 0x40, STT_FUNC, STB_GLOBAL, 1},
  });
  std::optional<ElfSymbols> elf = ElfSymbols::FromMemory(image.data(), image.size());
  ASSERT_TRUE(elf.has_value());
  EXPECT_EQ(NameAt(*elf, 0x4010ef), "big");
  EXPECT_EQ(NameAt(*elf, 0x4010f0), "small");
  EXPECT_EQ(NameAt(*elf, 0x401100), "small");
  EXPECT_EQ(NameAt(*elf, 0x40112f), "small");
  EXPECT_EQ(NameAt(*elf, 0x401130), "<none>");
}

// Writes `bytes` to <root>/.build-id/<id[0:2]>/<id[2:]>.debug.
bool WriteDebugFile(const std::string& root, const std::string& id,
                    const std::vector<uint8_t>& bytes) {
  std::string dir = root + "/.build-id/" + id.substr(0, 2);
  if (mkdir((root + "/.build-id").c_str(), 0700) != 0 && errno != EEXIST) return false;
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return false;
  FILE* f = std::fopen((dir + "/" + id.substr(2) + ".debug").c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

TEST(ElfSymbolsTest, MergesSeparateDebugFileByBuildId) {
  std::optional<ElfSymbols> plain = ElfSymbols::FromFile("/proc/self/exe", "");
  ASSERT_TRUE(plain.has_value());
  ASSERT_FALSE(plain->build_id().empty());
  char root_template[] = "/tmp/lcprof_debug_XXXXXX";
  ASSERT_NE(mkdtemp(root_template), nullptr);
  const std::string root = root_template;

  // A debug file without a build ID note is accepted; its .symtab adds names
  // but its PT_LOAD segments must not replace the main file's.
  ASSERT_TRUE(
      WriteDebugFile(root, plain->build_id(),
                     BuildElf({{"debug_only_fn", 0x7fff0000, 0x40, STT_FUNC, STB_LOCAL, 1}})));
  std::optional<ElfSymbols> merged = ElfSymbols::FromFile("/proc/self/exe", root);
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ(merged->symbol_count(), plain->symbol_count() + 1);
  ASSERT_NE(merged->Lookup(0x7fff0010), nullptr);
  EXPECT_EQ(merged->Lookup(0x7fff0010)->name, "debug_only_fn");
  EXPECT_EQ(merged->load_segments().size(), plain->load_segments().size());
  EXPECT_EQ(merged->build_id(), plain->build_id());

  // A debug file carrying a different build ID is ignored.
  std::vector<uint8_t> other = ReadWholeFile("/usr/lib/x86_64-linux-gnu/libc.so.6");
  std::optional<ElfSymbols> other_elf = ElfSymbols::FromMemory(other.data(), other.size(), "");
  if (other_elf && !other_elf->build_id().empty()) {
    ASSERT_TRUE(WriteDebugFile(root, plain->build_id(), other));
    std::optional<ElfSymbols> mismatched = ElfSymbols::FromFile("/proc/self/exe", root);
    ASSERT_TRUE(mismatched.has_value());
    EXPECT_EQ(mismatched->symbol_count(), plain->symbol_count());
  }
  std::string cmd = "rm -rf '" + root + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST(ElfSymbolsTest, RejectsNonElfAndOtherTargets) {
  EXPECT_FALSE(ElfSymbols::FromMemory(nullptr, 100).has_value());
  uint8_t zeros[128] = {};
  EXPECT_FALSE(ElfSymbols::FromMemory(zeros, 0).has_value());
  EXPECT_FALSE(ElfSymbols::FromMemory(zeros, sizeof(zeros)).has_value());
  EXPECT_FALSE(ElfSymbols::FromFile("/nonexistent/lcprof.so").has_value());
  EXPECT_FALSE(ElfSymbols::FromFile("/proc/self").has_value());  // a directory
  EXPECT_FALSE(ElfSymbols::FromFile("/dev/null").has_value());

  std::vector<uint8_t> good = BuildElf({{"f", 0x401000, 0x10, STT_FUNC, STB_GLOBAL, 1}});
  ASSERT_TRUE(ElfSymbols::FromMemory(good.data(), good.size()).has_value());
  auto patched = [&](size_t offset, uint8_t value) {
    std::vector<uint8_t> bad = good;
    bad[offset] = value;
    return ElfSymbols::FromMemory(bad.data(), bad.size()).has_value();
  };
  EXPECT_FALSE(patched(EI_CLASS, ELFCLASS32));
  EXPECT_FALSE(patched(EI_DATA, ELFDATA2MSB));
  EXPECT_FALSE(patched(offsetof(Elf64_Ehdr, e_machine), EM_AARCH64));
  EXPECT_FALSE(patched(offsetof(Elf64_Ehdr, e_type), ET_REL));
}

TEST(ElfSymbolsTest, TruncatedImagesNeverCrash) {
  // Every prefix of the hand-built image and the vDSO, in exactly sized
  // buffers; under ASan any out-of-bounds read fails the test.
  std::vector<std::vector<uint8_t>> sources;
  sources.push_back(BuildElf({{"f", 0x401000, 0x10, STT_FUNC, STB_GLOBAL, 1},
                              {"g", 0x401010, 0x10, STT_FUNC, STB_GLOBAL, 1}}));
  auto [vdso, vdso_size] = VdsoImage();
  if (vdso != nullptr) sources.emplace_back(vdso, vdso + vdso_size);
  for (const std::vector<uint8_t>& src : sources) {
    for (size_t n = 0; n <= src.size(); ++n) {
      std::unique_ptr<uint8_t[]> copy = ExactCopy(src.data(), n);
      std::optional<ElfSymbols> elf = ElfSymbols::FromMemory(copy.get(), n);
      if (n < sizeof(Elf64_Ehdr)) {
        EXPECT_FALSE(elf.has_value()) << n;
      }
      if (elf) elf->Lookup(0x401000);
    }
  }

  // Prefixes of this (much larger) test binary at a spread of lengths,
  // including ones that cut the section header table or .symtab.
  std::vector<uint8_t> exe = ReadWholeFile("/proc/self/exe");
  ASSERT_GT(exe.size(), sizeof(Elf64_Ehdr));
  std::vector<size_t> lengths = {0, 1, 16, 63, 64, 65, 120, 4096, exe.size() - 1, exe.size() - 64};
  for (size_t n = 128; n < exe.size(); n = n * 3 / 2) lengths.push_back(n);
  for (size_t n : lengths) {
    std::unique_ptr<uint8_t[]> copy = ExactCopy(exe.data(), n);
    std::optional<ElfSymbols> elf = ElfSymbols::FromMemory(copy.get(), n);
    if (n < sizeof(Elf64_Ehdr)) {
      EXPECT_FALSE(elf.has_value()) << n;
    }
  }
}

TEST(ElfSymbolsTest, RandomAndCorruptedInputNeverCrashes) {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 200; ++round) {
    size_t n = rng() % 4096;
    std::unique_ptr<uint8_t[]> bytes(new uint8_t[n == 0 ? 1 : n]);
    for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(rng());
    std::optional<ElfSymbols> elf = ElfSymbols::FromMemory(bytes.get(), n);
    EXPECT_TRUE(!elf.has_value() || elf->symbol_count() == 0);
  }

  // Valid headers with random corruption anywhere: the parser gets far
  // enough to follow bogus offsets, sizes and counts.
  std::vector<std::vector<uint8_t>> sources;
  sources.push_back(BuildElf({{"f", 0x401000, 0x10, STT_FUNC, STB_GLOBAL, 1},
                              {"g", 0x401008, 0x10, STT_NOTYPE, STB_GLOBAL, 1}}));
  auto [vdso, vdso_size] = VdsoImage();
  if (vdso != nullptr) sources.emplace_back(vdso, vdso + vdso_size);
  for (const std::vector<uint8_t>& src : sources) {
    for (int round = 0; round < 3000; ++round) {
      std::unique_ptr<uint8_t[]> copy = ExactCopy(src.data(), src.size());
      int flips = 1 + static_cast<int>(rng() % 8);
      for (int f = 0; f < flips; ++f) {
        // Bias towards the headers and tables, where the offsets live.
        size_t limit = (rng() % 2 == 0) ? std::min<size_t>(src.size(), 0x600) : src.size();
        size_t pos = rng() % limit;
        copy[pos] = (rng() % 3 == 0) ? 0xff : static_cast<uint8_t>(rng());
      }
      std::optional<ElfSymbols> elf = ElfSymbols::FromMemory(copy.get(), src.size());
      if (elf) {
        for (const ElfSymbols::Symbol& s : elf->symbols()) {
          ASSERT_GT(s.size, 0u);
          ASSERT_FALSE(s.name.empty());
          ASSERT_NE(elf->Lookup(s.value), nullptr);
        }
        elf->FileOffsetToVaddr(rng());
      }
    }
  }
}

}  // namespace
}  // namespace lcprof
