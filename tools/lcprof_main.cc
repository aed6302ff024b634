// `lcprof record`: runs a command with liblcprof preloaded, passes its exit
// status through, and prints one summary line read back from the profile.
#include <fcntl.h>
#include <google/protobuf/io/gzip_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "profiler/base/options.h"
#include "proto/profile.pb.h"

namespace {

constexpr const char* kUsage =
    "usage: lcprof record [OPTIONS] -- COMMAND [ARGS...]\n"
    "  -o FILE            where to write the profile (default lcprof.pb.gz; %p: the pid)\n"
    "  -F HZ              samples per CPU-second, 1..10000 (default 100)\n"
    "  -t, --timer KIND   itimer (default), thread or perf\n"
    "  -u, --unwind MODE  fp, dwarf or hybrid (default)\n"
    "  -d, --depth N      frames per sample, 1..250 (default 128)\n"
    "  --stacks N         distinct stacks kept, 1..10000000 (default 100000)\n"
    "  --libcalls LIST    wrapped libc calls: all (default), none or a comma list\n"
    "View the profile with: go tool pprof -top FILE\n";

int UsageError(const std::string& what) {
  fprintf(stderr, "lcprof: %s (try 'lcprof --help')\n", what.c_str());
  return 2;
}

std::string SelfDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

// The library to preload: $LCPROF_LIB, else ../lib/liblcprof.so beside this
// program (true both in the build tree and in an installed prefix).
std::string FindLibrary() {
  if (const char* env = getenv("LCPROF_LIB"); env != nullptr && *env != '\0') return env;
  return SelfDir() + "/../lib/liblcprof.so";
}

struct Summary {
  bool read = false;
  long long samples = 0;
  long long lost = 0;
  std::string rate;  // "; N Hz asked, M achieved" from the profile's rate comment, or ""
};

// The rate comment the profiler writes (profiler/control/session.cc): "lcprof: timer
// KIND, requested N Hz, achieved M Hz (...)".
std::string RateFromComment(const std::string& c) {
  const size_t req = c.find("requested "), ach = c.find("achieved ");
  if (c.rfind("lcprof: timer ", 0) != 0 || req == std::string::npos || ach == std::string::npos) {
    return "";
  }
  const long long asked = std::atoll(c.c_str() + req + 10);
  const long long achieved = std::atoll(c.c_str() + ach + 9);
  return "; " + std::to_string(asked) + " Hz asked, " + std::to_string(achieved) + " achieved";
}

Summary ReadSummary(const std::string& path) {
  Summary s;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return s;
  perftools::profiles::Profile p;
  {
    google::protobuf::io::FileInputStream file(fd);
    google::protobuf::io::GzipInputStream gzip(&file);
    s.read = p.ParseFromZeroCopyStream(&gzip);
  }
  close(fd);
  if (!s.read) return s;
  for (int64_t c : p.comment()) {
    if (s.rate.empty() && c >= 0 && c < p.string_table_size()) {
      s.rate = RateFromComment(p.string_table(static_cast<int>(c)));
    }
  }
  // The stack table's lost samples are one sample whose only frame is "[lost...]".
  std::unordered_set<uint64_t> lost_functions, lost_locations;
  for (const auto& fn : p.function()) {
    if (p.string_table(static_cast<int>(fn.name())).rfind("[lost", 0) == 0) {
      lost_functions.insert(fn.id());
    }
  }
  for (const auto& loc : p.location()) {
    if (loc.line_size() == 1 && lost_functions.count(loc.line(0).function_id())) {
      lost_locations.insert(loc.id());
    }
  }
  for (const auto& sample : p.sample()) {
    if (sample.value_size() == 0) continue;
    bool lost = sample.location_id_size() == 1 && lost_locations.count(sample.location_id(0));
    (lost ? s.lost : s.samples) += sample.value(0);
  }
  return s;
}

int ExitLike(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    // Die of the same signal, as a shell would see the command die; no core of ours.
    rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    raise(sig);
    return 128 + sig;
  }
  return 1;
}

int Record(int argc, char** argv) {
  std::string out = "lcprof.pb.gz";
  // Settings are handed to the library through its environment variables.
  std::vector<std::pair<std::string, std::string>> env;
  int i = 0;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.empty() || a[0] != '-') break;  // the command starts here
    const bool takes_value = a == "-o" || a == "-F" || a == "-t" || a == "--timer" || a == "-u" ||
                             a == "--unwind" || a == "-d" || a == "--depth" || a == "--stacks" ||
                             a == "--libcalls";
    if (!takes_value) return UsageError("unknown option '" + a + "'");
    if (i + 1 >= argc) return UsageError("option " + a + " needs a value");
    std::string v = argv[++i];
    int number = 0;
    lcprof::TimerKind timer;
    lcprof::UnwindMode unwind;
    if (a == "-o") {
      if (v.empty()) return UsageError("option -o needs a file name");
      out = v;
    } else if (a == "-F") {
      if (!lcprof::ParseHz(v.c_str(), &number)) {
        return UsageError("-F '" + v + "' is not a whole number from 1 to " +
                          std::to_string(lcprof::kMaxHz));
      }
      env.emplace_back("LCPROF_HZ", v);
    } else if (a == "-t" || a == "--timer") {
      if (!lcprof::ParseTimerKind(v.c_str(), &timer)) {
        return UsageError(a + " '" + v + "' is not one of itimer, thread, perf");
      }
      env.emplace_back("LCPROF_TIMER", v);
    } else if (a == "-u" || a == "--unwind") {
      if (!lcprof::ParseUnwindMode(v.c_str(), &unwind)) {
        return UsageError(a + " '" + v + "' is not one of fp, dwarf, hybrid");
      }
      env.emplace_back("LCPROF_UNWIND", v);
    } else if (a == "-d" || a == "--depth") {
      if (!lcprof::ParseDepth(v.c_str(), &number)) {
        return UsageError(a + " '" + v + "' is not a whole number from 1 to " +
                          std::to_string(lcprof::kMaxDepth));
      }
      env.emplace_back("LCPROF_DEPTH", v);
    } else if (a == "--stacks") {
      long stacks = 0;
      if (!lcprof::ParseStacks(v.c_str(), &stacks)) {
        return UsageError(a + " '" + v + "' is not a whole number from 1 to " +
                          std::to_string(lcprof::kMaxStacks));
      }
      env.emplace_back("LCPROF_STACKS", v);
    } else {
      env.emplace_back("LCPROF_LIBCALLS", v);
    }
  }
  if (i >= argc) return UsageError("no command to run after 'record'" + std::string(" [--]"));

  std::string lib = FindLibrary();
  if (access(lib.c_str(), R_OK) != 0) {
    fprintf(stderr, "lcprof: cannot find the profiler library '%s' (set LCPROF_LIB)\n",
            lib.c_str());
    return 2;
  }
  std::string preload = lib;
  if (const char* old = getenv("LD_PRELOAD"); old != nullptr && *old != '\0') {
    preload += std::string(":") + old;
  }

  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "lcprof: fork failed: %s\n", strerror(errno));
    return 1;
  }
  if (child == 0) {
    setenv("LD_PRELOAD", preload.c_str(), 1);
    setenv("LCPROF_OUT", out.c_str(), 1);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    execvp(argv[i], &argv[i]);
    fprintf(stderr, "lcprof: cannot run '%s': %s\n", argv[i], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  // Like a shell waiting for a foreground job: the terminal's ^C and ^\ are
  // for the command; lcprof outlives it to report.
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string file = lcprof::ExpandOutputPattern(out, child);
  Summary s = ReadSummary(file);
  if (s.read) {
    fprintf(stderr,
            "lcprof: %lld samples, %lld lost, written to %s; view with: go tool pprof -http=: "
            "%s%s\n",
            s.samples, s.lost, file.c_str(), file.c_str(), s.rate.c_str());
  } else if (!(WIFEXITED(status) && WEXITSTATUS(status) >= 126)) {
    fprintf(stderr,
            "lcprof: no profile in %s (the command ended without exit(), e.g. killed or "
            "_exit)\n",
            file.c_str());
  }
  return ExitLike(status);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fputs(kUsage, stderr);
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "record") return Record(argc - 2, argv + 2);
  return UsageError("unknown command '" + cmd + "'");
}
