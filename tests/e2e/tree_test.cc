// `lcprof record` of a process tree: a shell script that runs several
// programs yields exactly one profile, whose samples carry each process's
// pid and program name as labels that pprof's -tags and -tagfocus use; the
// per-process files are gone unless --per-process keeps them; files a
// process did not finish are left out with one line each; processes the
// command leaves running are waited for; stderr holds one lcprof: line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>

#include "tests/e2e/e2e_util.h"
#include "tools/tree_profiles.h"

namespace lcprof::e2e {
namespace {

using perftools::profiles::Profile;

std::string WriteScript(const TempDir& dir, const std::string& body) {
  const std::string path = dir.File("script.sh");
  std::ofstream(path) << body;
  return path;
}

// The script of the issue: three programs with distinct function names, one
// of them twice, and a shell that runs them.
std::string FourProgramsScript(const TempDir& dir) {
  return WriteScript(dir, std::string(TREE_ALPHA_PATH) + " 0.3\n" + TREE_BETA_PATH + " 0.3\n" +
                              TREE_GAMMA_PATH + " 0.3\n" + TREE_ALPHA_PATH + " 0.3\n:\n");
}

std::vector<std::string> LcprofLines(const std::string& err) {
  std::vector<std::string> lines;
  size_t at = 0;
  while ((at = err.find("lcprof: ", at)) != std::string::npos) {
    if (at == 0 || err[at - 1] == '\n') {
      lines.push_back(err.substr(at, err.find('\n', at) - at));
    }
    ++at;
  }
  return lines;
}

Profile Read(const std::string& path) {
  Profile p;
  std::string why;
  EXPECT_TRUE(tools::ReadProfileFile(path, &p, &why)) << path << ": " << why;
  return p;
}

// Per sample: its leaf function's name and its labels.
struct LabelledSample {
  std::string leaf;
  long long count = 0;
  std::map<std::string, std::string> str;
  std::map<std::string, long long> num;
  int labels = 0;
};

std::vector<LabelledSample> Samples(const Profile& p) {
  auto s = [&p](int64_t i) { return p.string_table(static_cast<int>(i)); };
  std::map<uint64_t, std::string> function, location;
  for (const auto& f : p.function()) function[f.id()] = s(f.name());
  for (const auto& l : p.location()) {
    if (l.line_size() > 0) location[l.id()] = function[l.line(0).function_id()];
  }
  std::vector<LabelledSample> out;
  for (const auto& sample : p.sample()) {
    LabelledSample ls;
    ls.leaf = sample.location_id_size() > 0 ? location[sample.location_id(0)] : "";
    ls.count = sample.value(0);
    for (const auto& label : sample.label()) {
      ++ls.labels;
      if (label.str() != 0) {
        ls.str[s(label.key())] = s(label.str());
      } else {
        ls.num[s(label.key())] = label.num();
      }
    }
    out.push_back(ls);
  }
  return out;
}

// "lcprof: N processes, S samples (L lost) -> FILE; ..." -> {N, S, L}.
std::vector<long long> SummaryNumbers(const std::string& line) {
  std::vector<long long> n;
  n.push_back(std::atoll(line.c_str() + 8));
  const size_t samples = line.find(", ");
  n.push_back(samples == std::string::npos ? -1 : std::atoll(line.c_str() + samples + 2));
  const size_t lost = line.find(" (");
  n.push_back(lost == std::string::npos ? -1 : std::atoll(line.c_str() + lost + 2));
  return n;
}

TEST(TreeTest, AScriptOfSeveralProgramsYieldsOneLabelledProfile) {
  TempDir dir;
  const std::string script = FourProgramsScript(dir);
  const std::string out = dir.File("tree.pb.gz");
  RunResult r = RunProgram({LCPROF_CLI_PATH, "record", "-o", out, "--", "sh", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // One file, and one line on stderr: the summary.
  EXPECT_EQ(dir.List(), (std::vector<std::string>{"script.sh", "tree.pb.gz"}));
  const std::vector<std::string> lines = LcprofLines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0] + "\n", r.err);
  EXPECT_NE(lines[0].find(" -> " + out + "; view: go tool pprof -top " + out), std::string::npos)
      << lines[0];
  const std::vector<long long> summary = SummaryNumbers(lines[0]);

  const Profile p = Read(out);
  std::map<std::string, std::set<long long>> pids_of_program;
  std::map<std::string, std::string> program_of_leaf;
  long long total = 0;
  for (const LabelledSample& s : Samples(p)) {
    total += s.count;
    ASSERT_EQ(s.num.count("pid"), 1u) << s.leaf;
    ASSERT_EQ(s.str.count("program"), 1u) << s.leaf;
    pids_of_program[s.str.at("program")].insert(s.num.at("pid"));
    if (s.leaf.find("_hot") != std::string::npos) program_of_leaf[s.leaf] = s.str.at("program");
  }
  EXPECT_EQ(program_of_leaf["alpha_hot"], "tree_alpha");
  EXPECT_EQ(program_of_leaf["beta_hot"], "tree_beta");
  EXPECT_EQ(program_of_leaf["gamma_hot"], "tree_gamma");
  EXPECT_EQ(pids_of_program["tree_alpha"].size(), 2u);  // run twice
  EXPECT_EQ(pids_of_program["tree_beta"].size(), 1u);
  EXPECT_EQ(pids_of_program["tree_gamma"].size(), 1u);
  std::set<long long> all_pids;
  for (const auto& [program, pids] : pids_of_program) all_pids.insert(pids.begin(), pids.end());
  EXPECT_EQ(all_pids.size(), 4u + pids_of_program.count("dash") + pids_of_program.count("sh"));
  // The summary counts the processes that wrote a profile: the four programs
  // and the shell (the command's profile is always written).
  EXPECT_EQ(summary[0], 5) << lines[0];
  EXPECT_EQ(summary[1], total) << lines[0];
  EXPECT_EQ(summary[2], 0) << lines[0];
  // Mappings are unified: the two tree_alpha processes map the same file.
  std::set<std::string> files;
  for (const auto& m : p.mapping()) files.insert(p.string_table(static_cast<int>(m.filename())));
  EXPECT_TRUE(files.count(TREE_ALPHA_PATH)) << "mappings lost the program";

  // What a pprof user sees.
  if (access(GO_PATH, X_OK) != 0) GTEST_SKIP() << "go not found: pprof part skipped";
  RunResult tags = RunProgram({GO_PATH, "tool", "pprof", "-tags", out});
  ASSERT_EQ(tags.exit_code, 0) << tags.err;
  for (const char* want :
       {" pid: Total", " program: Total", "tree_alpha", "tree_beta", "tree_gamma"}) {
    EXPECT_NE(tags.out.find(want), std::string::npos) << want << "\n" << tags.out;
  }
  RunResult beta =
      RunProgram({GO_PATH, "tool", "pprof", "-top", "-tagfocus=program=tree_beta", out});
  EXPECT_NE(beta.out.find("beta_hot"), std::string::npos) << beta.out;
  EXPECT_EQ(beta.out.find("alpha_hot"), std::string::npos) << beta.out;
  RunResult no_alpha =
      RunProgram({GO_PATH, "tool", "pprof", "-top", "-tagignore=program=tree_alpha", out});
  EXPECT_EQ(no_alpha.out.find("alpha_hot"), std::string::npos) << no_alpha.out;
  EXPECT_NE(no_alpha.out.find("gamma_hot"), std::string::npos) << no_alpha.out;
  const long long alpha_pid = *pids_of_program["tree_alpha"].begin();
  RunResult one = RunProgram(
      {GO_PATH, "tool", "pprof", "-traces", "-tagfocus=pid=" + std::to_string(alpha_pid), out});
  EXPECT_NE(one.out.find("alpha_hot"), std::string::npos) << one.out;
  EXPECT_EQ(one.out.find("gamma_hot"), std::string::npos) << one.out;
}

// A process that execs keeps the samples of every image: under record both
// are in the merged profile with the same pid and their own program label;
// with LD_PRELOAD alone the earlier image's file is set aside as .exec1.
TEST(TreeTest, EveryImageOfAProcessThatExecsKeepsItsSamples) {
  TempDir dir;
  const std::string out = dir.File("exec.pb.gz");
  RunResult r = RunProgram(
      {LCPROF_CLI_PATH, "record", "-o", out, "--", TREE_ALPHA_PATH, "0.4", TREE_BETA_PATH, "0.4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(dir.List(), (std::vector<std::string>{"exec.pb.gz"}));
  EXPECT_NE(r.err.find("lcprof: 1 process, "), std::string::npos) << r.err;  // two images
  std::map<std::string, std::set<long long>> pids_of_leaf;
  std::map<std::string, std::string> program_of_leaf;
  for (const LabelledSample& s : Samples(Read(out))) {
    if (s.leaf.find("_hot") == std::string::npos) continue;
    pids_of_leaf[s.leaf].insert(s.num.at("pid"));
    program_of_leaf[s.leaf] = s.str.at("program");
  }
  ASSERT_EQ(pids_of_leaf["alpha_hot"].size(), 1u) << r.err;
  EXPECT_EQ(pids_of_leaf["alpha_hot"], pids_of_leaf["beta_hot"]);
  EXPECT_EQ(program_of_leaf["alpha_hot"], "tree_alpha");
  EXPECT_EQ(program_of_leaf["beta_hot"], "tree_beta");

  TempDir plain;
  const std::string file = plain.File("p.pb.gz");
  r = RunProgram({TREE_ALPHA_PATH, "0.3", TREE_BETA_PATH, "0.3"},
                 {{"LD_PRELOAD", LCPROF_LIB_PATH}, {"LCPROF_OUT", file}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(plain.List(), (std::vector<std::string>{"p.pb.gz", "p.pb.gz.exec1"}));
  auto leaves = [](const std::string& path) {
    std::set<std::string> hot;
    for (const LabelledSample& s : Samples(Read(path))) {
      if (s.leaf.find("_hot") != std::string::npos) hot.insert(s.leaf);
    }
    return hot;
  };
  EXPECT_EQ(leaves(file), std::set<std::string>{"beta_hot"});
  EXPECT_EQ(leaves(file + ".exec1"), std::set<std::string>{"alpha_hot"});
}

TEST(TreeTest, PerProcessKeepsEachProcesssFileBesideTheMergedOne) {
  TempDir dir;
  const std::string script = FourProgramsScript(dir);
  const std::string out = dir.File("tree.pb.gz");
  RunResult r =
      RunProgram({LCPROF_CLI_PATH, "record", "--per-process", "-o", out, "--", "sh", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(LcprofLines(r.err).size(), 1u) << r.err;
  std::set<long long> kept;
  for (const std::string& name : dir.List()) {
    if (name.rfind("tree.pb.gz.", 0) != 0) continue;
    kept.insert(std::atoll(name.c_str() + 11));
    // Each is the process's own profile, as the library wrote it.
    const Profile own = Read(dir.File(name));
    for (const auto& s : own.sample()) {
      for (const auto& l : s.label()) EXPECT_NE(own.string_table(static_cast<int>(l.key())), "pid");
    }
  }
  std::set<long long> labelled;
  for (const LabelledSample& s : Samples(Read(out))) labelled.insert(s.num.at("pid"));
  EXPECT_EQ(kept.size(), 5u) << r.err;
  // Every process with samples has its file (the shell may have none).
  for (long long pid : labelled) EXPECT_TRUE(kept.count(pid)) << pid;
  EXPECT_EQ(SummaryNumbers(LcprofLines(r.err)[0])[0], static_cast<long long>(kept.size()));
}

// A process killed while writing leaves its temporary file; a file may be no
// profile at all. Each is left out with one line; the rest is merged.
TEST(TreeTest, UnfinishedOrBrokenFilesAreLeftOutWithOneLineEach) {
  TempDir dir;
  const std::string script = WriteScript(dir,
                                         "d=$(dirname \"$LCPROF_OUT\")\necho \"$d\"\n"
                                         "echo partial > \"$d/.999999.pb.gz.lcprof-tmp.999999\"\n"
                                         "echo garbage > \"$d/999998.pb.gz\"\n" +
                                             std::string(TREE_GAMMA_PATH) + " 0.2\n:\n");
  const std::string out = dir.File("tree.pb.gz");
  RunResult r = RunProgram({LCPROF_CLI_PATH, "record", "-o", out, "--", "sh", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = LcprofLines(r.err);
  ASSERT_EQ(lines.size(), 3u) << r.err;
  EXPECT_NE(lines[0].find(".999999.pb.gz.lcprof-tmp.999999"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("process 999998"), std::string::npos) << lines[1];
  EXPECT_EQ(SummaryNumbers(lines[2])[0], 2) << lines[2];  // the shell and tree_gamma
  long long gamma = 0;
  for (const LabelledSample& s : Samples(Read(out))) gamma += s.leaf == "gamma_hot" ? s.count : 0;
  EXPECT_GT(gamma, 0);
  // The private directory the tree wrote into is gone.
  const std::string tree_dir = r.out.substr(0, r.out.find('\n'));
  ASSERT_EQ(tree_dir.rfind("/", 0), 0u) << r.out;
  EXPECT_FALSE(FileExists(tree_dir)) << tree_dir;
}

// The command exits at once and leaves a job running: lcprof waits for it
// (it is part of the tree), and its samples are in the profile.
TEST(TreeTest, ProcessesTheCommandLeavesRunningAreWaitedForAndMerged) {
  TempDir dir;
  const std::string out = dir.File("tree.pb.gz");
  RunResult r = RunProgram({LCPROF_CLI_PATH, "record", "-o", out, "--", "sh", "-c",
                            std::string(TREE_BETA_PATH) + " 0.4 >/dev/null &"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  long long beta = 0;
  for (const LabelledSample& s : Samples(Read(out))) beta += s.leaf == "beta_hot" ? s.count : 0;
  EXPECT_GE(beta, 20) << r.err;  // 0.4 s at 100 Hz
  EXPECT_EQ(dir.List(), std::vector<std::string>{"tree.pb.gz"});
}

// The library's own notices stay quiet in the tree (LCPROF_QUIET=1), and
// `lcprof record -- true` prints one line.
TEST(TreeTest, OneLcprofLinePerRun) {
  TempDir dir;
  RunResult r = RunProgram({LCPROF_CLI_PATH, "record", "-o", dir.File("t.pb.gz"), "--", "true"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(LcprofLines(r.err).size(), 1u) << r.err;
  EXPECT_EQ(r.err.find("lcprof: 1 process, 0 samples (0 lost) -> "), 0u) << r.err;
  r = RunProgram({LCPROF_CLI_PATH, "record", "-o", dir.File("q.pb.gz"), "--", "sh", "-c",
                  "echo \"quiet=$LCPROF_QUIET\""});
  EXPECT_EQ(r.out, "quiet=1\n");
}

// In a container without perf_event_open every process of the tree falls
// back from the perf timer; lcprof record says so once, in its summary.
TEST(TreeTest, APerfTimerRefusedInEveryProcessIsReportedOnce) {
  TempDir dir;
  RunResult r = RunProgram({NO_PERF_EVENT_PATH, LCPROF_CLI_PATH, "record", "-t", "perf", "-o",
                            dir.File("p.pb.gz"), "--", "sh", "-c",
                            std::string(TREE_ALPHA_PATH) + " 0.2; " + TREE_BETA_PATH + " 0.2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = LcprofLines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0].rfind("lcprof: 3 processes, ", 0), 0u) << lines[0];
  const std::string tail = "; timer thread (perf refused)";
  EXPECT_EQ(lines[0].compare(lines[0].size() - tail.size(), tail.size(), tail), 0) << lines[0];
}

}  // namespace
}  // namespace lcprof::e2e
