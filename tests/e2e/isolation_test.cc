// liblcprof.so is invisible to the program it is preloaded into (issue 9):
// at load it needs glibc alone, it exports C names only, a program whose own
// library defines libstdc++ and libprotobuf names runs and is profiled as
// usual, and without libz.so.1 the profile is still written, uncompressed.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <climits>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>

#include "tests/e2e/e2e_util.h"

namespace lcprof::e2e {
namespace {

std::set<std::string> NeededLibraries(const std::string& elf) {
  RunResult r = RunProgram({READELF_PATH, "-dW", elf});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> needed;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("(NEEDED)") == std::string::npos) continue;
    size_t open = line.find('['), close = line.find(']');
    if (open != std::string::npos && close != std::string::npos) {
      needed.insert(line.substr(open + 1, close - open - 1));
    }
  }
  return needed;
}

std::set<std::string> ExportedNames(const std::string& elf) {
  RunResult r = RunProgram({NM_PATH, "-D", "--defined-only", elf});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> names;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    size_t space = line.rfind(' ');
    names.insert(space == std::string::npos ? line : line.substr(space + 1));
  }
  return names;
}

// ld-linux-x86-64.so.2 is glibc's loader, in every dynamically linked
// process anyway: __tls_get_addr (libstdc++'s per-thread exception state and
// std::call_once) comes from it.
TEST(IsolationTest, NeedsOnlyGlibcAtLoad) {
  EXPECT_EQ(NeededLibraries(LCPROF_LIB_PATH),
            (std::set<std::string>{"libc.so.6", "ld-linux-x86-64.so.2"}));
}

TEST(IsolationTest, ExportsNoCxxRuntimeOrProtobufNames) {
  std::set<std::string> names = ExportedNames(LCPROF_LIB_PATH);
  for (const std::string& name : names) {
    EXPECT_NE(name.rfind("_Z", 0), 0u) << name;  // no C++ name at all: _ZNS, _ZSt, ...
    EXPECT_EQ(name.find("google"), std::string::npos) << name;
    EXPECT_EQ(name.find("protobuf"), std::string::npos) << name;
  }
  // What must be exported still is: the C API, gperftools, interposers.
  for (const char* name : {"lcprof_start", "ProfilerStart", "write", "pthread_create"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
}

// The real file behind libz.so.1, as the loader finds it; "" when absent.
std::string ZlibFile() {
  void* z = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
  if (z == nullptr) return "";
  Dl_info info{};
  std::string path;
  char real[PATH_MAX];
  if (dladdr(dlsym(z, "deflate"), &info) != 0 && realpath(info.dli_fname, real) != nullptr) {
    path = real;
  }
  dlclose(z);
  return path;
}

// The BTYPE of the first deflate block (bits 1-2 of the byte after the
// 10-byte gzip header): 0 stored, 1 fixed, 2 dynamic Huffman codes.
int FirstBlockType(const std::string& gz) {
  FILE* f = fopen(gz.c_str(), "rb");
  unsigned char head[11] = {};
  size_t n = f != nullptr ? fread(head, 1, sizeof head, f) : 0;
  if (f != nullptr) fclose(f);
  EXPECT_EQ(n, sizeof head);
  EXPECT_EQ(head[0], 0x1f);
  EXPECT_EQ(head[1], 0x8b);
  return (head[10] >> 1) & 3;
}

// isolation_names.c defines names the old, dynamically linked liblcprof.so
// bound to at load, start and write, and zlib names libz.so.1 calls inside
// itself; each ends the process with exit code 86.
TEST(IsolationTest, ProgramDefiningRuntimeNamesRunsAndIsProfiled) {
  TempDir dir;
  RunResult r = RunProgram({ISOLATION_PROG_PATH, "0.5"},
                           {{"LD_PRELOAD", LCPROF_LIB_PATH}, {"LCPROF_OUT", dir.File("p.pb.gz")}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok\n");
  EXPECT_EQ(r.err.find("clash:"), std::string::npos) << r.err;
  auto traces = ReadTraces(dir.File("p.pb.gz"));
  long long total = TotalCount(traces);
  EXPECT_GE(total, 20);
  EXPECT_GE(CountWithChain(traces, {"isolation_burn", "main"}), total * 9 / 10)
      << PprofTop(dir.File("p.pb.gz"));
  // libz.so.1 compressed it, its own crc32 and deflateReset in use.
  if (!ZlibFile().empty()) {
    EXPECT_NE(FirstBlockType(dir.File("p.pb.gz")), 0);
  }
}

// In a private mount namespace /dev/null covers libz.so.1, so the profiled
// program's dlopen fails and the stored path writes the file.
TEST(IsolationTest, WithoutZlibTheProfileIsWrittenUncompressed) {
  const std::string zlib = ZlibFile();
  if (zlib.empty()) GTEST_SKIP() << "no libz.so.1 here: every run takes the stored path";
  if (RunProgram({"unshare", "--mount", "true"}).exit_code != 0) {
    GTEST_SKIP() << "cannot create a mount namespace (needs root)";
  }
  TempDir dir;
  const std::string out = dir.File("p.pb.gz");
  const std::string script = "mount --bind /dev/null '" + zlib + "' && LD_PRELOAD='" +
                             LCPROF_LIB_PATH + "' LCPROF_OUT='" + out + "' exec '" + WORKLOAD_PATH +
                             "' burn 0.5";
  RunResult r = RunProgram({"unshare", "--mount", "sh", "-c", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(FileExists(out));
  EXPECT_EQ(FirstBlockType(out), 0);
  EXPECT_EQ(RunProgram({"gzip", "-t", out}).exit_code, 0);
  auto traces = ReadTraces(out);
  long long total = TotalCount(traces);
  EXPECT_GE(total, 20);
  EXPECT_GE(CountWithChain(traces, {"burn_hot", "burn_caller", "main"}), total * 9 / 10)
      << PprofTop(out);
}

}  // namespace
}  // namespace lcprof::e2e
