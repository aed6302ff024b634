// `lcprof record`: runs a command with liblcprof preloaded, waits for the
// whole process tree it starts, merges the tree's profiles into one
// (tools/tree_profiles.h, tools/profile_merge.h), passes the command's exit
// status through and prints one summary line.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "libcall/libcall_id.h"
#include "profiler/base/options.h"
#include "proto/profile.pb.h"
#include "tools/profile_lines.h"
#include "tools/profile_merge.h"
#include "tools/tree_profiles.h"

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
    "  --per-process      also keep each process's own profile, as FILE.PID\n"
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

// The record command's settings, from its arguments.
struct RecordArgs {
  std::string out = "lcprof.pb.gz";
  int hz = lcprof::kDefaultHz;
  bool per_process = false;
  // Settings handed to the library through its environment variables.
  std::vector<std::pair<std::string, std::string>> env;
  int command = 0;  // argv index where the command starts
};

// A --libcalls list the library would take whole: all, none, or names of
// the contract's calls.
bool KnownLibcalls(const std::string& list, std::string* unknown) {
  if (list == "all" || list == "none") return true;
  static const std::set<std::string> names = {
#define LCPROF_LIBCALL_NAME(name) #name,
      LCPROF_LIBCALLS(LCPROF_LIBCALL_NAME)
#undef LCPROF_LIBCALL_NAME
  };
  size_t from = 0;
  while (from <= list.size()) {
    size_t comma = list.find(',', from);
    if (comma == std::string::npos) comma = list.size();
    const std::string name = list.substr(from, comma - from);
    if (!name.empty() && names.count(name) == 0) *unknown += (unknown->empty() ? "" : ",") + name;
    from = comma + 1;
  }
  return unknown->empty();
}

// Parses argv (the arguments after "record"); returns -1 when they are
// good, else the exit status, the reason printed.
int ParseRecordArgs(int argc, char** argv, RecordArgs* args) {
  auto& env = args->env;
  int i = 0;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.empty() || a[0] != '-') break;  // the command starts here
    if (a == "--per-process") {
      args->per_process = true;
      continue;
    }
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
      args->out = v;
    } else if (a == "-F") {
      if (!lcprof::ParseHz(v.c_str(), &args->hz)) {
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
      std::string unknown;
      if (!KnownLibcalls(v, &unknown)) {
        return UsageError("--libcalls: unknown call(s) '" + unknown +
                          "' (all, none, or names from docs/libcall.md)");
      }
      env.emplace_back("LCPROF_LIBCALLS", v);
    }
  }
  if (i >= argc) return UsageError("no command to run after 'record'" + std::string(" [--]"));
  args->command = i;
  return -1;
}

// Waits for the processes the command left running when it exited: they
// were reparented to lcprof (a child subreaper), and their profiles belong
// to the tree. ^C stops the wait; what they write later is lost.
void WaitForLeftovers() {
  sigset_t wake, old;
  sigemptyset(&wake);
  sigaddset(&wake, SIGCHLD);
  sigaddset(&wake, SIGINT);
  sigprocmask(SIG_BLOCK, &wake, &old);
  signal(SIGINT, SIG_DFL);  // blocked: sigtimedwait takes it
  bool told = false;
  for (;;) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    }
    if (pid < 0 && errno != EINTR) break;  // ECHILD: the tree has ended
    // Silent for a second: a script's last background job is usually done by then.
    const timespec second{1, 0};
    siginfo_t info;
    const int sig = told ? sigwaitinfo(&wake, &info) : sigtimedwait(&wake, &info, &second);
    if (sig == SIGINT) break;
    if (sig < 0 && errno == EAGAIN && !told) {
      fprintf(stderr,
              "lcprof: the command has exited; waiting for the processes it left running "
              "(^C stops waiting)\n");
      told = true;
    }
  }
  signal(SIGINT, SIG_IGN);
  sigprocmask(SIG_SETMASK, &old, nullptr);
}

// "; timer thread (perf refused)" when the command's profile ran another
// timer than asked, from its rate comment (profiler/control/session.cc);
// else "".
std::string RefusedTimer(const std::vector<lcprof::tools::ProcessProfile>& profiles) {
  if (profiles.empty() || !profiles[0].command) return "";
  const auto& p = profiles[0].profile;
  for (int64_t c : p.comment()) {
    const std::string& text = p.string_table(static_cast<int>(c));
    const size_t requested = text.find(", requested ");
    if (text.rfind("lcprof: timer ", 0) == 0 && requested != std::string::npos &&
        text.find("refused") < requested) {
      return "; " + text.substr(8, requested - 8);
    }
  }
  return "";
}

int Record(int argc, char** argv) {
  RecordArgs args;
  if (int status = ParseRecordArgs(argc, argv, &args); status >= 0) return status;
  std::string lib = FindLibrary();
  if (access(lib.c_str(), R_OK) != 0) {
    fprintf(stderr, "lcprof: cannot find the profiler library '%s' (set LCPROF_LIB)\n",
            lib.c_str());
    return 2;
  }
  std::string why;
  if (!lcprof::tools::CanCreateBeside(lcprof::ExpandOutputPattern(args.out, getpid()), &why)) {
    fprintf(stderr, "lcprof: -o %s: %s\n", args.out.c_str(), why.c_str());
    return 2;
  }
  lcprof::tools::TreeDirectory tree;
  if (!tree.Create(&why)) {
    fprintf(stderr, "lcprof: %s\n", why.c_str());
    return 2;
  }
  std::string preload = lib;
  if (const char* old = getenv("LD_PRELOAD"); old != nullptr && *old != '\0') {
    preload += std::string(":") + old;
  }
  // Orphans of the tree come to lcprof, so it can wait for the whole tree.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  fflush(nullptr);
  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "lcprof: fork failed: %s\n", strerror(errno));
    return 1;
  }
  if (child == 0) {
    setenv("LD_PRELOAD", preload.c_str(), 1);
    setenv("LCPROF_OUT", tree.OutputPattern().c_str(), 1);
    setenv("LCPROF_QUIET", "1", 1);  // the library's notices: lcprof reports once
    // file:line is read here after the run, once for the tree (profile_lines.h).
    setenv("LCPROF_LINES", "none", 0);
    for (const auto& [name, value] : args.env) setenv(name.c_str(), value.c_str(), 1);
    execvp(argv[args.command], &argv[args.command]);
    fprintf(stderr, "lcprof: cannot run '%s': %s\n", argv[args.command], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  // Like a shell waiting for a foreground job: the terminal's ^C and ^\ are
  // for the command; lcprof outlives it to report.
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  WaitForLeftovers();

  std::vector<std::string> lines;  // what went wrong, one line each, before the summary
  std::vector<lcprof::tools::ProcessProfile> profiles = tree.Collect(child, &lines);
  const std::string file = lcprof::ExpandOutputPattern(args.out, child);
  if (profiles.empty()) {
    for (const std::string& l : lines) fprintf(stderr, "%s\n", l.c_str());
    if (WIFSIGNALED(status)) {
      fprintf(stderr, "lcprof: no profile: the command was killed by signal %d (%s)\n",
              WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else if (!(WIFEXITED(status) && WEXITSTATUS(status) >= 126)) {
      fprintf(stderr,
              "lcprof: no profile: the command wrote none (a statically linked program, "
              "one that ended through the raw exit_group call, or one that removed LD_PRELOAD "
              "or LCPROF_OUT from its environment)\n");
    }
    tree.Remove();
    return ExitLike(status);
  }
  perftools::profiles::Profile merged;
  const int n = lcprof::tools::MergeProfiles(profiles, &merged, &lines);
  if (const char* l = getenv("LCPROF_LINES"); l == nullptr || strcmp(l, "none") != 0) {
    lcprof::tools::AddSourceLines(&merged);
  }
  const bool written = lcprof::tools::WriteProfileFile(merged, file, &why);
  if (!written) lines.push_back("lcprof: " + why);
  std::string kept;
  if (args.per_process) {
    const int k = tree.KeepBeside(file, &lines);
    kept = " (and " + std::to_string(k) + " per-process file" + (k == 1 ? "" : "s") + " " + file +
           ".PID)";
  }
  for (const std::string& l : lines) fprintf(stderr, "%s\n", l.c_str());
  if (written) {
    const lcprof::tools::SampleCounts counts = lcprof::tools::CountSamples(merged);
    // The rate achieved: samples per CPU-second they stand for, over the tree.
    std::string rate;
    if (counts.samples > 0 && counts.cpu_nanos > 0) {
      rate = "; " + std::to_string(args.hz) + " Hz asked, " +
             std::to_string(std::llround(static_cast<double>(counts.samples) * 1e9 /
                                         static_cast<double>(counts.cpu_nanos))) +
             " achieved";
    }
    fprintf(stderr,
            "lcprof: %d process%s, %lld samples (%lld lost) -> %s%s; view: go tool pprof -top "
            "%s%s%s\n",
            n, n == 1 ? "" : "es", counts.samples, counts.lost, file.c_str(), kept.c_str(),
            file.c_str(), rate.c_str(), RefusedTimer(profiles).c_str());
  }
  tree.Remove();  // before ExitLike, which may end lcprof by a signal
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
