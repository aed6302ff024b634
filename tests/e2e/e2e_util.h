// Helpers for end-to-end tests: run a program with a given environment and
// capture what it did, and read a profile back through `go tool pprof`, the
// client our users use, so the tests judge the file exactly as they would.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace lcprof::e2e {

struct RunResult {
  int exit_code = -1;    // exit status, or 128 + signal
  std::string out, err;  // captured stdout and stderr
};

// Runs argv with `env` added to (or, for an empty value, removed from) this
// process's environment. Kills the program after `timeout_seconds` (a hang
// then fails the test instead of the whole suite).
RunResult RunProgram(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env = {}, int timeout_seconds = 120);

// One sample as `go tool pprof -traces` shows it: leaf first.
struct Trace {
  long long count = 0;
  std::vector<std::string> frames;
  std::map<std::string, std::string> labels;
};

// Parses the -traces report (sample counts). Fails the test on pprof errors.
// Frames are the walk's own: functions inlined into them (pprof's
// "NAME (inline)" frames, from line tables) are left out unless
// `with_inlined`, so chains read as the stack held them.
std::vector<Trace> ReadTraces(const std::string& profile, bool with_inlined = false);
// The same weighted by CPU time (the profile's cpu value): Trace::count is
// in microseconds. Under load one sample may stand for several ticks, so
// shares are better judged by CPU than by counts.
std::vector<Trace> ReadCpuTraces(const std::string& profile);

// `go tool pprof -top` output, for tests that check what a user sees first.
std::string PprofTop(const std::string& profile);

long long TotalCount(const std::vector<Trace>& traces);
// Samples whose stack contains `fn` anywhere.
long long CountWith(const std::vector<Trace>& traces, const std::string& fn);
// Samples whose stack contains the exact consecutive chain (leaf-most first).
long long CountWithChain(const std::vector<Trace>& traces, const std::vector<std::string>& chain);

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  std::vector<std::string> List() const;

 private:
  std::string path_;
};

bool FileExists(const std::string& path);

}  // namespace lcprof::e2e
