// Names as each language's users read them, from real toolchains: a Rust
// program built by rustc with legacy and v0 mangling, and a node script run
// with --perf-basic-prof. `languages_test rust|node`: exits 77 (ctest's
// SKIP_RETURN_CODE) when that toolchain is not installed; tools/setup.sh does
// not install them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <sstream>
#include <string>

#include "tests/e2e/e2e_util.h"

namespace lcprof::e2e {
namespace {

std::string g_tool;  // the rustc or node binary found by main()

bool IsExecutable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// `name` in $PATH, else the first of `fallbacks` that exists; "" if none.
std::string FindTool(const std::string& name, const std::vector<std::string>& fallbacks) {
  std::istringstream path(getenv("PATH") != nullptr ? getenv("PATH") : "");
  for (std::string dir; std::getline(path, dir, ':');) {
    if (!dir.empty() && IsExecutable(dir + "/" + name)) return dir + "/" + name;
  }
  for (const std::string& f : fallbacks) {
    if (IsExecutable(f)) return f;
  }
  return "";
}

std::string FindRustc() {
  if (const char* env = getenv("RUSTC"); env != nullptr && IsExecutable(env)) return env;
  const char* home = getenv("HOME");
  return FindTool("rustc", {std::string(home != nullptr ? home : "/root") + "/.cargo/bin/rustc",
                            "/usr/local/cargo/bin/rustc", "/usr/local/bin/rustc"});
}

// Removes the perf map a program that printed "pid N" left behind.
void RemovePerfMap(const std::string& out) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex("pid (\\d+)"))) {
    unlink(("/tmp/perf-" + m[1].str() + ".map").c_str());
  }
}

struct Profiled {
  std::vector<Trace> traces;
  std::string top, raw;
};

Profiled Profile(const std::vector<std::string>& argv, const TempDir& dir,
                 const std::string& unwind = "hybrid") {
  const std::string out = dir.File("p.pb.gz");
  RunResult r = RunProgram(argv, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                  {"LCPROF_OUT", out},
                                  {"LCPROF_HZ", "250"},
                                  {"LCPROF_UNWIND", unwind}});
  RemovePerfMap(r.out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Profiled p;
  if (!FileExists(out)) {
    ADD_FAILURE() << "no profile: " << r.err;
    return p;
  }
  p.traces = ReadTraces(out);
  p.top = PprofTop(out);
  // -raw lists each location as "name :line s=0(system_name)" when the two differ.
  p.raw = RunProgram({GO_PATH, "tool", "pprof", "-raw", "-symbolize=none", out}).out;
  return p;
}

long long CountMatching(const std::vector<Trace>& traces, const std::regex& re) {
  long long n = 0;
  for (const Trace& t : traces) {
    for (const std::string& f : t.frames) {
      if (std::regex_search(f, re)) {
        n += t.count;
        break;
      }
    }
  }
  return n;
}

// What demangling must have removed: escapes, hashes, raw prefixes.
const std::regex kMangled(R"(\$LT\$|\$u20\$|::h[0-9a-f]{16}$|^_ZN|^_R[A-Z])");

// rustc's default mangling is legacy (stable rustc refuses to name it);
// v0 is asked for.
std::string BuildRust(const TempDir& dir, const std::string& mangling) {
  const std::string binary = dir.File("rust_names_" + mangling);
  std::vector<std::string> argv = {g_tool, "-O", "-g", "-o", binary, RUST_NAMES_SOURCE};
  if (mangling != "legacy") argv.push_back("-Csymbol-mangling-version=" + mangling);
  RunResult r = RunProgram(argv, {}, 240);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return binary;
}

TEST(RustNames, LegacyManglingIsDemangledWithoutHashes) {
  TempDir dir;
  const std::string binary = BuildRust(dir, "legacy");
  Profiled p = Profile({binary, "1"}, dir);
  ASSERT_GE(TotalCount(p.traces), 100) << p.top;
  EXPECT_EQ(CountMatching(p.traces, kMangled), 0) << p.top;
  EXPECT_GT(CountWithChain(p.traces,
                           {"<rust_names::Square as rust_names::Shape>::area", "rust_names::main"}),
            0)
      << p.top;
  EXPECT_GT(CountWithChain(p.traces, {"rust_names::sum_generic", "rust_names::main"}), 0) << p.top;
  // The standard library's HashMap (insert or, inlined differently, its
  // Extend impl), with generic parameters as perf shows them.
  EXPECT_GT(CountMatching(p.traces, std::regex(R"(^<?hashbrown::map::HashMap<K,V,S,A>)")), 0)
      << p.top;
  // system_name keeps the symbol as linked.
  EXPECT_TRUE(std::regex_search(
      p.raw, std::regex(R"(rust_names::main \S+ s=0\(_ZN10rust_names4main17h[0-9a-f]{16}E\))")))
      << p.raw;
}

TEST(RustNames, V0ManglingIsDemangledWithGenerics) {
  TempDir dir;
  const std::string binary = BuildRust(dir, "v0");
  Profiled p = Profile({binary, "1"}, dir);
  ASSERT_GE(TotalCount(p.traces), 100) << p.top;
  EXPECT_EQ(CountMatching(p.traces, kMangled), 0) << p.top;
  EXPECT_GT(CountWithChain(p.traces,
                           {"<rust_names::Square as rust_names::Shape>::area", "rust_names::main"}),
            0)
      << p.top;
  EXPECT_GT(CountWithChain(p.traces, {"rust_names::sum_generic::<u32>", "rust_names::main"}), 0)
      << p.top;
  EXPECT_TRUE(std::regex_search(
      p.raw, std::regex(R"(rust_names::main \S+ s=0\(_RNvCs\w+_10rust_names4main\))")))
      << p.raw;
}

// V8 names its code in the map ("JS:*fib /path:1:1" in node 20, with
// "LazyCompile:" in older versions). JS frames keep frame pointers; the
// default walk goes through them by frame pointers and on through node and
// libc by their CFI, to _start (docs/usage.md, "JIT code").
TEST(NodeNames, PerfBasicProfNamesJavaScriptFunctions) {
  TempDir dir;
  Profiled p = Profile({g_tool, "--perf-basic-prof", NODE_NAMES_SCRIPT, "1"}, dir);
  const long long total = TotalCount(p.traces);
  ASSERT_GE(total, 40) << p.top;  // ~250 on an idle machine; fewer under load
  long long whole = 0;
  for (const Trace& t : p.traces) whole += t.frames.back() == "_start" ? t.count : 0;
  EXPECT_GE(whole * 100, total * 90) << p.top;  // 99.8% measured idle; JIT frames in prologues cost a few
  const std::regex fib(R"(^(JS|LazyCompile):[*~^+]?fib )");
  const std::regex hot_loop(R"(^(JS|LazyCompile):[*~^+]?hotLoop )");
  EXPECT_GE(CountMatching(p.traces, fib) * 2, total) << p.top;
  EXPECT_GT(CountMatching(p.traces, hot_loop), 0) << p.top;
  const long long unnamed =
      CountWith(p.traces, "[JIT code]") + CountWith(p.traces, "[unmapped code]");
  EXPECT_LE(unnamed * 10, total) << p.top;
}

TEST(NodeNames, WithoutAMapJavaScriptIsOneFrame) {
  TempDir dir;
  Profiled p = Profile({g_tool, NODE_NAMES_SCRIPT, "1"}, dir);
  const long long total = TotalCount(p.traces);
  ASSERT_GE(total, 40) << p.top;  // ~250 on an idle machine; fewer under load
  const long long unnamed =
      CountWith(p.traces, "[JIT code]") + CountWith(p.traces, "[unmapped code]");
  EXPECT_GE(unnamed * 2, total) << p.top;
  EXPECT_EQ(CountMatching(p.traces, std::regex(R"(^\[unmapped 0x|^\+0x)")), 0) << p.top;
}

}  // namespace
}  // namespace lcprof::e2e

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  const std::string language = argc > 1 ? argv[1] : "";
  if (language == "rust") {
    lcprof::e2e::g_tool = lcprof::e2e::FindRustc();
    GTEST_FLAG_SET(filter, "RustNames.*");
  } else if (language == "node") {
    lcprof::e2e::g_tool = lcprof::e2e::FindTool("node", {"/usr/bin/nodejs"});
    GTEST_FLAG_SET(filter, "NodeNames.*");
  } else {
    fprintf(stderr, "usage: languages_test rust|node [gtest flags]\n");
    return 2;
  }
  if (lcprof::e2e::g_tool.empty()) {
    printf("%s not found: skipped\n", language.c_str());
    return 77;
  }
  printf("%s: %s\n", language.c_str(), lcprof::e2e::g_tool.c_str());
  return RUN_ALL_TESTS();
}
