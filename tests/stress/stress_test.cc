// The stress suite's judge: runs one stress program unprofiled and then
// under LD_PRELOAD=liblcprof.so with one timer and rate, and checks what a
// user relies on:
//  - the program's stdout and exit status are unchanged, and so is its
//    stderr apart from lcprof's own `lcprof: ` lines;
//  - neither run hangs (RunProgram kills it after kRunTimeoutSeconds; ctest
//    has a TIMEOUT above that);
//  - the profile decodes with libprotobuf, is internally consistent, and
//    names the functions the program spent its time in;
//  - case-specific truths (child processes' profiles, no samples lost to a
//    stale stack after siglongjmp).
// Usage (one ctest test per case and timer, tests/stress/CMakeLists.txt):
//   stress_test --case=NAME --timer=thread|itimer --hz=N [--period=SECONDS]
//               -- PROGRAM ARGS...
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/e2e_util.h"
#include "tests/stress/profile_reader.h"

namespace lcprof::stress {
namespace {

using e2e::RunProgram;
using e2e::RunResult;
using e2e::TempDir;

constexpr int kRunTimeoutSeconds = 240;

struct Case {
  std::vector<std::string> functions;  // each must be in some sample's stack
  // Largest share of samples allowed to end in this pseudo-frame (0: no limit).
  std::string limited_frame;
  double limited_share = 0;
  bool children_profiles = false;  // the program forks: children's files must decode
  std::string child_function;      // ...and name this function
  // Functions not asked for in the TSan build (tools/sanitize.sh), with why.
  std::vector<std::string> not_under_tsan;
};

const std::map<std::string, Case>& Cases() {
  static const auto* cases = [] {
    auto* m = new std::map<std::string, Case>;
    auto add = [m](const char* name, std::vector<std::string> functions) -> Case& {
      Case& c = (*m)[name];
      c.functions = std::move(functions);
      return c;
    };
    add("threads", {"thread_work"});
    add("dlopen_churn", {"plugin_resident_spin"});
    Case& forks = add("forks", {"parent_work"});
    forks.children_profiles = true;
    forks.child_function = "child_work";
    add("exceptions", {"throw_at_depth", "thrower"});
    add("recursion", {"spin_at_bottom", "recurse"});
    add("garbage_rbp", {"junk_rbp_spin", "junk_cfa_spin"});
    // After a siglongjmp out of a handler on the alternate stack, samples
    // must still be walked from the thread's stack (issue 10, second bullet).
    Case& altstack = add("altstack_longjmp", {"main_work", "handler_work"});
    altstack.limited_frame = "[unknown: sp outside thread stack]";
    altstack.limited_share = 0.10;
    // Under TSan, its runtime calls the program's handlers itself, from its
    // own signal handler and at its interceptors' exits, and samples in
    // handler_work are walked as "pthread_sigmask [signal] main_work", the
    // handler's level cut at an lcprof wrapper (docs/architecture.md, "Testing").
    altstack.not_under_tsan = {"handler_work"};
    // Unregistered fibers: the leaf is exact; their callers are unknown by
    // design (docs/pprof-output.md), so only the leaf is asked for.
    add("fibers", {"fiber_work"});
    add("malloc_heavy", {"malloc_churn"});
    return m;
  }();
  return *cases;
}

struct Config {
  std::string name, timer, hz;
  std::string period;  // LCPROF_PERIOD, when set: snapshots written while the program runs
  std::vector<std::string> argv;
};
Config g_config;

// A frame names `fn` when it is `fn` itself, or `fn` qualified by a
// namespace and/or followed by its parameters and clone suffixes, as C++
// names are demangled ("(anonymous namespace)::fn(int) [clone .isra.0]").
bool Names(const std::string& frame, const std::string& fn) {
  for (size_t at = frame.find(fn); at != std::string::npos; at = frame.find(fn, at + 1)) {
    const size_t end = at + fn.size();
    const bool starts = at == 0 || (at >= 2 && frame.compare(at - 2, 2, "::") == 0);
    const bool ends = end == frame.size() || frame[end] == '(' || frame[end] == ' ';
    if (starts && ends) return true;
  }
  return false;
}

long long SamplesNaming(const DecodedProfile& p, const std::string& fn) {
  long long n = 0;
  for (const auto& s : p.samples) {
    for (const auto& f : s.frames) {
      if (Names(f, fn)) {
        n += s.count;
        break;
      }
    }
  }
  return n;
}

// Whether a sanitizer runtime is preloaded with liblcprof.so.
bool SanitizerBuild() { return LCPROF_STRESS_SANITIZER_RUNTIME[0] != '\0'; }

// stderr without lcprof's own lines, which are the only ones it may add
// (and, in a sanitizer build, the runtime's own "==PID==" notes, such as
// ASan's warning about swapcontext).
std::string ProgramStderr(const std::string& err) {
  std::istringstream in(err);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("lcprof: ", 0) == 0) continue;
    if (SanitizerBuild() && line.size() > 2 && line.rfind("==", 0) == 0 &&
        line.find("==", 2) != std::string::npos &&
        line.find_first_not_of("0123456789", 2) == line.find("==", 2)) {
      continue;
    }
    out += line + "\n";
  }
  return out;
}

// The heaviest stacks, for failure messages.
std::string Describe(const DecodedProfile& p) {
  std::vector<const DecodedSample*> order;
  for (const auto& s : p.samples) order.push_back(&s);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->count > b->count; });
  std::string out = std::to_string(TotalSamples(p)) + " samples; heaviest stacks:\n";
  for (size_t i = 0; i < order.size() && i < 8; i++) {
    out += "  " + std::to_string(order[i]->count) + ":";
    for (size_t f = 0; f < order[i]->frames.size() && f < 8; f++) out += " " + order[i]->frames[f];
    out += "\n";
  }
  return out;
}

TEST(Stress, ProgramUnchangedAndProfileNamesItsFunctions) {
  auto it = Cases().find(g_config.name);
  ASSERT_NE(it, Cases().end()) << "unknown stress case '" << g_config.name << "'";
  ASSERT_FALSE(g_config.argv.empty()) << "no program after --";
  ASSERT_TRUE(g_config.timer == "thread" || g_config.timer == "itimer") << g_config.timer;
  const Case& c = it->second;

  const RunResult plain = RunProgram(g_config.argv, {{"LD_PRELOAD", ""}}, kRunTimeoutSeconds);
  ASSERT_EQ(plain.exit_code, 0) << "the program fails unprofiled:\n" << plain.err;

  TempDir dir;
  const std::string profile = dir.File("stress.pb.gz");
  std::map<std::string, std::string> env = {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                            {"LCPROF_OUT", profile},
                                            {"LCPROF_TIMER", g_config.timer},
                                            {"LCPROF_HZ", g_config.hz}};
  if (!g_config.period.empty()) env["LCPROF_PERIOD"] = g_config.period;
  if (SanitizerBuild()) {
    // A sanitizer build: its runtime is preloaded too, ASan's ahead of
    // liblcprof.so, TSan's after it (tests/stress/CMakeLists.txt). Leak
    // checking is off: the program is not instrumented, and LSan's notes at
    // the exit of every forked child would change its stderr.
    const std::string runtime = LCPROF_STRESS_SANITIZER_RUNTIME;
    env["LD_PRELOAD"] = LCPROF_STRESS_RUNTIME_FIRST ? runtime + ":" + env["LD_PRELOAD"]
                                                    : env["LD_PRELOAD"] + ":" + runtime;
    const char* options = getenv("ASAN_OPTIONS");
    env["ASAN_OPTIONS"] = std::string(options != nullptr ? options : "") + ":detect_leaks=0";
  }
  const RunResult profiled = RunProgram(g_config.argv, env, kRunTimeoutSeconds);
  EXPECT_EQ(profiled.exit_code, plain.exit_code) << profiled.err;
  EXPECT_EQ(profiled.out, plain.out);
  EXPECT_EQ(ProgramStderr(profiled.err), ProgramStderr(plain.err));

  const DecodedProfile p = DecodeProfile(profile);
  ASSERT_TRUE(p.read) << p.error << "\nprogram stderr:\n" << profiled.err;
  EXPECT_TRUE(p.consistent) << "a sample, location or function refers to nothing";
  const long long total = TotalSamples(p);
  EXPECT_GE(total, 10) << Describe(p);
  for (const auto& fn : c.functions) {
    if (LCPROF_STRESS_TSAN &&
        std::find(c.not_under_tsan.begin(), c.not_under_tsan.end(), fn) != c.not_under_tsan.end()) {
      continue;
    }
    EXPECT_GT(SamplesNaming(p, fn), 0) << fn << " is in no sample; " << Describe(p);
  }
  if (!c.limited_frame.empty() && total > 0) {
    const long long limited = SamplesWith(p, c.limited_frame);
    EXPECT_LE(static_cast<double>(limited), c.limited_share * static_cast<double>(total))
        << limited << " of " << total << " samples end in " << c.limited_frame << "; "
        << Describe(p);
  }
  if (!g_config.period.empty()) {
    // Each period's profile (stress.N.pb.gz), written by lcprof's control
    // thread while the program ran, decodes and is consistent.
    int periods = 0;
    for (const auto& name : dir.List()) {
      if (name == "stress.pb.gz" || name.rfind("stress.", 0) != 0) continue;
      const DecodedProfile period = DecodeProfile(dir.File(name));
      EXPECT_TRUE(period.read && period.consistent) << name << ": " << period.error;
      periods++;
    }
    EXPECT_GT(periods, 0) << "no period's profile was written";
  }
  if (c.children_profiles) {
    long long child_samples = 0;
    int files = 0;
    for (const auto& name : dir.List()) {
      if (name == "stress.pb.gz" || name.rfind("stress.pb.gz.", 0) != 0) continue;
      const DecodedProfile child = DecodeProfile(dir.File(name));
      EXPECT_TRUE(child.read && child.consistent) << name << ": " << child.error;
      child_samples += SamplesNaming(child, c.child_function);
      files++;
    }
    EXPECT_GT(files, 0) << "no child wrote a profile";
    EXPECT_GT(child_samples, 0) << c.child_function << " is in no child's profile";
  }
}

}  // namespace
}  // namespace lcprof::stress

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  auto& c = lcprof::stress::g_config;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (a == "--") {
      c.argv.assign(argv + i + 1, argv + argc);
      break;
    }
    if (a.rfind("--case=", 0) == 0) c.name = a.substr(7);
    if (a.rfind("--timer=", 0) == 0) c.timer = a.substr(8);
    if (a.rfind("--hz=", 0) == 0) c.hz = a.substr(5);
    if (a.rfind("--period=", 0) == 0) c.period = a.substr(9);
  }
  return RUN_ALL_TESTS();
}
