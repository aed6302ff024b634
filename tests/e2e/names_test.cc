// JIT code under LD_PRELOAD (tests/programs/jit_code.c): named from the perf
// map the program writes, under its real callers; one "[JIT code]" frame per
// mapping without a map; "[unmapped code]" or map names for code freed before
// the profile was written; malformed map lines skipped.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "tests/e2e/e2e_util.h"

namespace lcprof::e2e {
namespace {

struct JitRun {
  std::vector<Trace> traces;
  std::string top;
};

// Runs jit_code for one CPU-second with the default (hybrid) walk unless
// `unwind` says otherwise: JIT frames (no CFI) by frame pointers, the rest by
// CFI (docs/usage.md, "JIT code").
JitRun RunJit(const std::string& map, const std::string& keep,
              const std::string& unwind = "hybrid") {
  TempDir dir;
  const std::string out = dir.File("jit.pb.gz");
  RunResult r = RunProgram({JIT_CODE_PATH, "1", map, keep}, {{"LD_PRELOAD", LCPROF_LIB_PATH},
                                                             {"LCPROF_OUT", out},
                                                             {"LCPROF_HZ", "250"},
                                                             {"LCPROF_UNWIND", unwind}});
  // The map outlives the program (the profile is written after main), so it
  // is removed here.
  if (r.out.rfind("pid ", 0) == 0)
    unlink(("/tmp/perf-" + r.out.substr(4, r.out.find('\n') - 4) + ".map").c_str());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  JitRun run;
  if (!FileExists(out)) {
    ADD_FAILURE() << "no profile: " << r.err;
    return run;
  }
  run.traces = ReadTraces(out);
  run.top = PprofTop(out);
  return run;
}

bool AnyFrame(const std::vector<Trace>& traces, bool (*pred)(const std::string&)) {
  for (const Trace& t : traces) {
    for (const std::string& f : t.frames) {
      if (pred(f)) return true;
    }
  }
  return false;
}

// A row per address, as before perf maps were read.
bool IsPerAddressName(const std::string& f) {
  return f.rfind("+0x", 0) == 0 || f.rfind("[unmapped 0x", 0) == 0;
}

void ExpectNamedUnderCallers(const JitRun& run) {
  long long in_run = CountWith(run.traces, "run_jit");
  ASSERT_GE(in_run, 100) << run.top;
  // Every sample under run_jit is inside jit_outer -> jit_loop, but for the
  // few instructions of jit_outer itself and the generated prologues.
  EXPECT_GE(CountWithChain(run.traces, {"jit_loop", "jit_outer", "run_jit", "main"}) * 100,
            in_run * 90)
      << run.top;
  EXPECT_GT(CountWithChain(run.traces, {"jit_callback", "jit_loop", "jit_outer", "run_jit"}), 0)
      << run.top;
  EXPECT_EQ(CountWith(run.traces, "[JIT code]"), 0) << run.top;
  EXPECT_EQ(CountWith(run.traces, "stale_code"), 0) << run.top;  // overwritten by newer lines
  EXPECT_FALSE(AnyFrame(run.traces, IsPerAddressName)) << run.top;
}

void ExpectOneFrame(const JitRun& run, const std::string& name) {
  long long in_run = CountWith(run.traces, "run_jit");
  ASSERT_GE(in_run, 100) << run.top;
  EXPECT_GE(CountWithChain(run.traces, {name, "run_jit", "main"}) * 100, in_run * 90) << run.top;
  EXPECT_GT(CountWithChain(run.traces, {"jit_callback", name, "run_jit"}), 0) << run.top;
  EXPECT_EQ(CountWithChain(run.traces, {name, name}), 0) << run.top;
  EXPECT_EQ(CountWith(run.traces, "jit_loop"), 0) << run.top;
  EXPECT_FALSE(AnyFrame(run.traces, IsPerAddressName)) << run.top;
  // One row in -top: the name is one pprof Function.
  size_t rows = 0;
  for (size_t at = run.top.find(name); at != std::string::npos; at = run.top.find(name, at + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, 1u) << run.top;
}

TEST(JitNamesTest, NamedFromThePerfMapUnderTheirCallers) {
  ExpectNamedUnderCallers(RunJit("map", "keep"));
}

TEST(JitNamesTest, MalformedMapLinesAreSkipped) {
  ExpectNamedUnderCallers(RunJit("badmap", "keep"));
}

TEST(JitNamesTest, CodeFreedBeforeTheProfileIsWrittenIsNamedFromTheMap) {
  ExpectNamedUnderCallers(RunJit("map", "free"));
}

TEST(JitNamesTest, WithoutAMapEachMappingIsOneFrame) {
  ExpectOneFrame(RunJit("nomap", "keep"), "[JIT code]");
}

TEST(JitNamesTest, WithoutAMapFreedCodeIsOneUnmappedFrame) {
  ExpectOneFrame(RunJit("nomap", "free"), "[unmapped code]");
}

// The frame-pointer walk goes through the same JIT frames (they keep frame
// pointers) and names them the same way.
TEST(JitNamesTest, TheFramePointerWalkNamesThemToo) {
  ExpectNamedUnderCallers(RunJit("map", "keep", "fp"));
}

}  // namespace
}  // namespace lcprof::e2e
