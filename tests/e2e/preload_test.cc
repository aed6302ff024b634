// LD_PRELOAD=liblcprof.so LCPROF_OUT=... on unmodified programs: named
// functions and exact caller chains, callers of read()/write() kept by the
// libcall record, output and exit status unchanged, bad input reported in
// one line while the program runs on, and one file per process.
#include <gtest/gtest.h>

#include "tests/e2e/e2e_util.h"

namespace lcprof::e2e {
namespace {

RunResult RunWorkload(const std::vector<std::string>& args,
                      std::map<std::string, std::string> env) {
  std::vector<std::string> argv = {WORKLOAD_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  if (!env.count("LD_PRELOAD")) env["LD_PRELOAD"] = LCPROF_LIB_PATH;
  return RunProgram(argv, env);
}

TEST(PreloadTest, ProfilesUserCodeWithExactCallerChain) {
  TempDir dir;
  RunResult r = RunWorkload({"burn", "1"}, {{"LCPROF_OUT", dir.File("p.pb.gz")}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto traces = ReadTraces(dir.File("p.pb.gz"));
  long long total = TotalCount(traces);
  // 1 s of CPU at 100 Hz: about 100 samples (loose: the totals' accuracy is
  // the timer tests' business; this one is about names and chains).
  EXPECT_GE(total, 50);
  EXPECT_LE(total, 150);
  long long chain = CountWithChain(traces, {"burn_hot", "burn_caller", "main"});
  EXPECT_GE(chain, total * 9 / 10) << PprofTop(dir.File("p.pb.gz"));
}

TEST(PreloadTest, CallersOfReadAndWriteAreKeptInsideLibc) {
  TempDir dir;
  RunResult r =
      RunWorkload({"rw", "2"}, {{"LCPROF_OUT", dir.File("rw.pb.gz")}, {"LCPROF_HZ", "1000"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto traces = ReadTraces(dir.File("rw.pb.gz"));
  long long in_read = 0, in_read_from_caller = 0, in_write = 0, in_write_from_caller = 0;
  for (const Trace& t : traces) {
    if (t.frames.front() == "read") {
      in_read += t.count;
      if (t.frames.size() > 2 && t.frames[1] == "reader_hot" && t.frames[2] == "main") {
        in_read_from_caller += t.count;
      }
    }
    if (t.frames.front() == "write") {
      in_write += t.count;
      if (t.frames.size() > 2 && t.frames[1] == "writer_hot" && t.frames[2] == "main") {
        in_write_from_caller += t.count;
      }
    }
  }
  std::string top = PprofTop(dir.File("rw.pb.gz"));
  // Most of the workload's CPU is inside the two calls.
  EXPECT_GE(in_read + in_write, TotalCount(traces) / 2) << top;
  ASSERT_GE(in_read, 20) << top;  // ~200 on an idle machine; fewer under load
  ASSERT_GE(in_write, 20) << top;
  EXPECT_GE(in_read_from_caller * 100, in_read * 95) << top;
  EXPECT_GE(in_write_from_caller * 100, in_write * 95) << top;
}

TEST(PreloadTest, OutputAndExitStatusAreUnchanged) {
  RunResult plain = RunProgram({WORKLOAD_PATH, "burn", "0.2", "7"});
  TempDir dir;
  RunResult profiled = RunWorkload({"burn", "0.2", "7"}, {{"LCPROF_OUT", dir.File("x.pb.gz")}});
  EXPECT_EQ(plain.exit_code, 7);
  EXPECT_EQ(profiled.exit_code, 7);
  // The pid differs between runs; everything else must match.
  auto strip_pid = [](std::string s) { return s.substr(0, s.find(" pid ")); };
  EXPECT_EQ(strip_pid(profiled.out), strip_pid(plain.out));
  EXPECT_EQ(profiled.err, plain.err);
  EXPECT_TRUE(FileExists(dir.File("x.pb.gz")));
}

// lcprof adds no thread: a single-threaded program sees exactly one entry in
// /proc/self/task while it is profiled (after samples were taken), with
// every timer, and its output, errors and exit status are unchanged. (A
// second thread would make the kernel take its slow path for every fd
// system call of the program.)
TEST(PreloadTest, ASingleThreadedProgramStaysSingleThreaded) {
  RunResult plain = RunProgram({WORKLOAD_PATH, "alone", "0.3", "6"});
  ASSERT_EQ(plain.exit_code, 6);
  ASSERT_EQ(plain.out.rfind("workload: 1 thread(s)\n", 0), 0u) << plain.out;
  auto strip_pid = [](std::string s) { return s.substr(0, s.find(" pid ")); };
  for (const char* timer : {"itimer", "thread", "perf"}) {
    TempDir dir;
    RunResult r = RunWorkload({"alone", "0.3", "6"},
                              {{"LCPROF_OUT", dir.File("a.pb.gz")}, {"LCPROF_TIMER", timer}});
    EXPECT_EQ(r.exit_code, 6) << timer;
    EXPECT_EQ(strip_pid(r.out), strip_pid(plain.out)) << timer;
    // perf refused by the kernel falls back to thread with one line.
    std::string err = r.err;
    if (err.rfind("lcprof: LCPROF_TIMER=perf: ", 0) == 0) err.erase(0, err.find('\n') + 1);
    EXPECT_EQ(err, plain.err) << timer;
    // It was being profiled while it counted.
    EXPECT_GE(CountWithChain(ReadTraces(dir.File("a.pb.gz")), {"burn_hot", "burn_caller", "main"}),
              5)
        << timer;
  }
}

TEST(PreloadTest, WithoutOutputVariableNothingChanges) {
  TempDir dir;
  RunResult r =
      RunProgram({"sh", "-c", "cd '" + dir.path() + "' && exec " WORKLOAD_PATH " burn 0.1 3"},
                 {{"LD_PRELOAD", LCPROF_LIB_PATH}, {"LCPROF_OUT", ""}});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "workload: starting burn\n");
  EXPECT_TRUE(dir.List().empty());
}

TEST(PreloadTest, PercentPBecomesThePid) {
  TempDir dir;
  RunResult r = RunWorkload({"burn", "0.1"}, {{"LCPROF_OUT", dir.File("prof.%p.pb.gz")}});
  ASSERT_EQ(r.exit_code, 0);
  std::string pid = r.out.substr(r.out.find(" pid ") + 5);
  pid.erase(pid.find('\n'));
  EXPECT_TRUE(FileExists(dir.File("prof." + pid + ".pb.gz"))) << dir.List().size();
}

TEST(PreloadTest, UnwritableOutputIsReportedAtStartAndTheProgramRunsOn) {
  RunResult plain = RunProgram({WORKLOAD_PATH, "burn", "0.1", "4"});
  RunResult r = RunWorkload({"burn", "0.1", "4"}, {{"LCPROF_OUT", "/nonexistent-dir/p.pb.gz"}});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out.substr(0, r.out.find(" pid ")), plain.out.substr(0, plain.out.find(" pid ")));
  // Exactly one line from lcprof, naming the variable and the path, before
  // anything the program printed: it was reported at start, not at exit.
  ASSERT_EQ(r.err.rfind("lcprof: LCPROF_OUT", 0), 0u) << r.err;
  std::string first = r.err.substr(0, r.err.find('\n'));
  EXPECT_NE(first.find("/nonexistent-dir/p.pb.gz"), std::string::npos) << first;
  // The path as the user gave it: no pid suffix, as if another process owned it.
  EXPECT_EQ(first.find("/nonexistent-dir/p.pb.gz."), std::string::npos) << first;
  EXPECT_EQ(r.err.substr(r.err.find('\n') + 1), plain.err);
}

TEST(PreloadTest, BadRateIsReportedAndTheProgramIsProfiledAtTheDefault) {
  for (const char* bad : {"abc", "0", "-5", "1000000", "12.5"}) {
    TempDir dir;
    RunResult r = RunWorkload({"burn", "0.3", "5"},
                              {{"LCPROF_OUT", dir.File("p.pb.gz")}, {"LCPROF_HZ", bad}});
    EXPECT_EQ(r.exit_code, 5) << bad;
    std::string first = r.err.substr(0, r.err.find('\n'));
    EXPECT_NE(first.find(std::string("LCPROF_HZ='") + bad + "'"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.substr(r.err.find('\n') + 1), "workload: starting burn\n") << bad;
    EXPECT_TRUE(FileExists(dir.File("p.pb.gz"))) << bad;
  }
}

TEST(PreloadTest, ThreadsCreatedByTheProgramHaveFullStacks) {
  TempDir dir;
  RunResult r = RunWorkload({"threads", "0.5"}, {{"LCPROF_OUT", dir.File("t.pb.gz")}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto traces = ReadTraces(dir.File("t.pb.gz"));
  long long total = TotalCount(traces);
  long long chain = CountWithChain(traces, {"burn_hot", "thread_hot", "thread_main"});
  // 4 threads x 0.5 s of CPU. Judged by the CPU the samples carry, not by
  // their count: on a loaded machine signals merge and each one weighs more.
  EXPECT_GE(TotalCount(ReadCpuTraces(dir.File("t.pb.gz"))), 4 * 500000 * 3 / 4);
  EXPECT_GE(total, 20);
  EXPECT_GE(chain, total * 9 / 10) << PprofTop(dir.File("t.pb.gz"));
  std::string main_tid = r.out.substr(r.out.find(" pid ") + 5);
  main_tid.erase(main_tid.find('\n'));
  std::set<std::string> threads;
  for (const Trace& t : traces) {
    const std::string tid = t.labels.count("thread_id") ? t.labels.at("thread_id") : "";
    threads.insert(tid);
    // Each sample names its thread as the thread named itself.
    EXPECT_EQ(t.labels.count("thread_name") ? t.labels.at("thread_name") : "",
              tid == main_tid ? "workload" : "wl-thread");
  }
  EXPECT_GE(threads.size(), 4u);
}

TEST(PreloadTest, ForkedChildrenWriteTheirOwnFiles) {
  TempDir dir;
  RunResult r = RunWorkload({"fork", "0.5"}, {{"LCPROF_OUT", dir.File("f.pb.gz")}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> files = dir.List();
  ASSERT_EQ(files.size(), 3u) << r.err;  // the parent's and one per child
  int children = 0;
  for (const std::string& f : files) {
    auto traces = ReadTraces(dir.File(f));
    if (f == "f.pb.gz") {
      // 0.5 s at 100 Hz is ~50 samples; under load one sample can stand for
      // several ticks, so the bound is loose: this test is about files.
      EXPECT_GE(CountWithChain(traces, {"burn_hot", "burn_caller", "main"}), 15) << f;
      EXPECT_EQ(CountWith(traces, "child_hot"), 0) << f;
    } else {
      ++children;
      EXPECT_EQ(f.rfind("f.pb.gz.", 0), 0u) << f;
      EXPECT_GE(CountWithChain(traces, {"burn_hot", "child_hot"}), 15) << f;
      // None of the samples the parent took before the fork.
      EXPECT_EQ(CountWith(traces, "burn_caller"), 0) << f;
    }
  }
  EXPECT_EQ(children, 2);
}

// A process tree started through a shell: every process that execs keeps
// running (an ITIMER_PROF and a pending SIGPROF survive execve, and would
// kill the new image), the shell (dash leaves with _exit, skipping atexit)
// still writes its profile, the program it execs as its last command takes
// over the user's file, and every other process that got samples writes its own.
TEST(PreloadTest, ShellPipelinesAndExecKeepEveryProcessAliveAndFilesApart) {
  TempDir dir;
  std::string out = dir.File("sh.pb.gz");
  RunResult r = RunProgram(
      {"sh", "-c", "seq 1 2000 | sort -n | tail -n 1; exec " WORKLOAD_PATH " burn 0.3 5"},
      {{"LD_PRELOAD", LCPROF_LIB_PATH}, {"LCPROF_OUT", out}, {"LCPROF_HZ", "1000"}});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "2000");
  EXPECT_EQ(r.err, "workload: starting burn\n");
  std::vector<std::string> files = dir.List();
  // sh.pb.gz (the shell, then the program that replaced it), and one file
  // per pipeline process that got a sample; no claim file left behind.
  ASSERT_GE(files.size(), 1u);
  EXPECT_EQ(files[0], "sh.pb.gz");
  for (size_t i = 1; i < files.size(); ++i)
    EXPECT_EQ(files[i].rfind("sh.pb.gz.", 0), 0u) << files[i];
  auto traces = ReadTraces(out);
  EXPECT_GE(CountWithChain(traces, {"burn_hot", "burn_caller", "main"}), 30);
}

// Issue 9 item 4: in a tree of processes, a descendant that got no sample
// leaves no file; the process the user profiled always writes one, and an
// empty one says why in its comment. At 1 Hz (a sample per CPU-second) none
// of these short processes gets a sample.
TEST(PreloadTest, OnlyTheRootOfAProcessTreeWritesAProfileWithoutSamples) {
  for (const std::string pattern : {"tree.pb.gz", "tree.%p.pb.gz"}) {
    TempDir dir;
    RunResult r = RunProgram(
        {"sh", "-c", "echo $$; /bin/true; /bin/true | /bin/cat"},
        {{"LD_PRELOAD", LCPROF_LIB_PATH}, {"LCPROF_OUT", dir.File(pattern)}, {"LCPROF_HZ", "1"}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "") << pattern;
    const std::string root_pid = r.out.substr(0, r.out.find('\n'));
    const std::string root_file =
        pattern == "tree.pb.gz" ? "tree.pb.gz" : "tree." + root_pid + ".pb.gz";
    // One file, the shell's; no claim file left behind.
    EXPECT_EQ(dir.List(), std::vector<std::string>{root_file}) << pattern;
    const std::string top = PprofTop(dir.File(root_file));
    EXPECT_NE(top.find("lcprof: 0 samples, 0 lost"), std::string::npos) << top;
    EXPECT_NE(top.find("lcprof: no samples: the process used"), std::string::npos) << top;
    EXPECT_NE(top.find("less than one sampling period (1000.0 ms at 1 Hz)"), std::string::npos)
        << top;
  }
}

TEST(PreloadTest, ProgramEndingWithUnderscoreExitStillWritesItsProfile) {
  TempDir dir;
  RunResult r = RunProgram(
      {"sh", "-c", ":"}, {{"LD_PRELOAD", LCPROF_LIB_PATH}, {"LCPROF_OUT", dir.File("dash.pb.gz")}});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(dir.List(), std::vector<std::string>{"dash.pb.gz"});
}

}  // namespace
}  // namespace lcprof::e2e
