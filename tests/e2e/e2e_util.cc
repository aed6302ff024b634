// See e2e_util.h.
#include "tests/e2e/e2e_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace lcprof::e2e {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool StartsWithDigit(const std::string& s, size_t pos) {
  return pos < s.size() && s[pos] >= '0' && s[pos] <= '9';
}

}  // namespace

RunResult RunProgram(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env, int timeout_seconds) {
  TempDir dir;
  const std::string out_path = dir.File("stdout"), err_path = dir.File("stderr");
  pid_t pid = fork();
  if (pid == 0) {
    for (const auto& [k, v] : env) {
      if (v.empty()) {
        unsetenv(k.c_str());
      } else {
        setenv(k.c_str(), v.c_str(), 1);
      }
    }
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  RunResult r;
  int status = 0;
  for (int waited_ms = 0;; waited_ms += 10) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (waited_ms >= timeout_seconds * 1000) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << argv[0] << " did not finish within " << timeout_seconds << " s";
      break;
    }
    usleep(10000);
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out_path);
  r.err = Slurp(err_path);
  return r;
}

namespace {

// A -traces value: a count ("12"), or a duration ("432.62ms", "1.2s") in
// microseconds.
long long ParseTraceValue(const std::string& v) {
  size_t unit = v.find_first_not_of("0123456789.");
  if (unit == std::string::npos) return std::atoll(v.c_str());
  double x = std::atof(v.substr(0, unit).c_str());
  std::string u = v.substr(unit);
  double us = u == "s" ? x * 1e6 : u == "ms" ? x * 1e3 : u == "us" ? x : x / 1e3;
  return static_cast<long long>(us + 0.5);
}

std::vector<Trace> ReadTracesOf(const std::string& profile, const char* sample_index,
                                bool with_inlined) {
  RunResult r = RunProgram({GO_PATH, "tool", "pprof", "-traces", "-symbolize=none",
                            std::string("-sample_index=") + sample_index, profile});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<Trace> traces;
  Trace cur;
  bool in_block = false;
  bool counted = false;  // the block's first frame line, with the count, was read
  std::istringstream lines(r.out);
  std::string line;
  auto flush = [&] {
    if (in_block && !cur.frames.empty()) traces.push_back(cur);
    cur = Trace{};
    counted = false;
  };
  while (std::getline(lines, line)) {
    if (line.rfind("-----------+", 0) == 0) {
      flush();
      in_block = true;
      continue;
    }
    if (!in_block || line.empty()) continue;
    size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    // Label lines ("thread_id:  123", keys right-aligned) are indented less
    // than frame lines and start with a key and a colon.
    size_t token_end = line.find(' ', first);
    if (first < 10 && !StartsWithDigit(line, first) && token_end != std::string::npos &&
        line[token_end - 1] == ':') {
      size_t colon = line.find(':');
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      cur.labels[line.substr(first, colon - first)] = value;
      continue;
    }
    std::string frame;
    if (!counted && StartsWithDigit(line, first)) {
      counted = true;
      cur.count = ParseTraceValue(line.substr(first, token_end - first));
      size_t name = line.find_first_not_of(' ', token_end);
      frame = name == std::string::npos ? "" : line.substr(name);
    } else {
      frame = line.substr(first);
    }
    const std::string inlined = " (inline)";
    const bool is_inlined =
        frame.size() > inlined.size() &&
        frame.compare(frame.size() - inlined.size(), inlined.size(), inlined) == 0;
    if (with_inlined || !is_inlined) cur.frames.push_back(frame);
  }
  flush();
  return traces;
}

}  // namespace

std::vector<Trace> ReadTraces(const std::string& profile, bool with_inlined) {
  return ReadTracesOf(profile, "samples", with_inlined);
}

std::vector<Trace> ReadCpuTraces(const std::string& profile) {
  return ReadTracesOf(profile, "cpu", false);
}

std::string PprofTop(const std::string& profile) {
  RunResult r = RunProgram({GO_PATH, "tool", "pprof", "-top", "-symbolize=none", profile});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

long long TotalCount(const std::vector<Trace>& traces) {
  long long n = 0;
  for (const auto& t : traces) n += t.count;
  return n;
}

long long CountWith(const std::vector<Trace>& traces, const std::string& fn) {
  long long n = 0;
  for (const auto& t : traces) {
    for (const auto& f : t.frames) {
      if (f == fn) {
        n += t.count;
        break;
      }
    }
  }
  return n;
}

long long CountWithChain(const std::vector<Trace>& traces, const std::vector<std::string>& chain) {
  long long n = 0;
  for (const auto& t : traces) {
    for (size_t i = 0; i + chain.size() <= t.frames.size(); ++i) {
      if (std::equal(chain.begin(), chain.end(), t.frames.begin() + static_cast<long>(i))) {
        n += t.count;
        break;
      }
    }
  }
  return n;
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/lcprof-e2e-XXXXXX";
  path_ = mkdtemp(tmpl);
}

TempDir::~TempDir() {
  std::string cmd = "rm -rf '" + path_ + "'";
  int ignored = system(cmd.c_str());
  (void)ignored;
}

std::vector<std::string> TempDir::List() const {
  std::vector<std::string> names;
  if (DIR* d = opendir(path_.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool FileExists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

}  // namespace lcprof::e2e
