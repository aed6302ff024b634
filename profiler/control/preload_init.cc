// Start-up for the LD_PRELOAD (and environment-driven) mode: when LCPROF_OUT
// (or gperftools' CPUPROFILE) is set, profiling starts as the library loads
// and the profile is written when the program exits (return from main or
// exit()); with CPUPROFILESIGNAL it starts and stops on that signal instead
// (control_thread.h). Without either nothing starts and the program runs
// exactly as without lcprof.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "libcall/libcall_id.h"
#include "profiler/base/log.h"
#include "profiler/base/options.h"
#include "profiler/control/control_thread.h"
#include "profiler/control/exec_guard.h"
#include "profiler/control/secure_process.h"
#include "profiler/control/session.h"

namespace lcprof {
namespace {

// LCPROF_LIBCALLS: unknown names are reported and skipped; the valid ones apply.
void ApplyLibcallSelection(const std::string& selection, const char* what) {
  std::string unknown;
  if (!libcall::ConfigureLibcalls(selection, &unknown)) {
    LogLine("%s: unknown call(s) '%s' ignored (see docs/libcall.md for the list)", what,
            unknown.c_str());
  }
}

// The root of a profiled tree and the files of its processes. The first
// process to start from LCPROF_OUT claims the root by creating
// ".<name>.lcprof-root" beside the file (<name> as given, %p unexpanded), a
// symbolic link to its pid; it — or the program that replaces it by exec, which keeps its pid
// — is the process the user profiled, and removes the claim at exit. A claim
// whose process is gone is stale and taken over. (A file, not an
// environment variable: shells rebuild their children's environment and do
// not reliably pass on what a library set before their main.)
//  - Files: no two processes may write the same one. With %p in the pattern
//    each already has its own; without, the root writes <file> and every
//    other process (its descendants) <file>.<pid>.
//  - Empty profiles: the root always writes its file, saying in a comment why
//    it is empty when it is; a descendant that got no sample writes none.

// Set when this process owns the root claim. A plain array: it is written by
// the constructor below, which may run before this file's dynamic initialisers.
char g_claim_path[4096];

std::string ClaimPathFor(const std::string& file) {
  size_t slash = file.rfind('/');
  std::string dir = slash == std::string::npos ? "" : file.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? file : file.substr(slash + 1);
  return dir + "." + base + ".lcprof-root";
}

// The claim is a symbolic link whose target is the owner's pid: creating one
// is atomic and exclusive like O_EXCL, and, holding no data block, it costs
// the file system less to create and remove than a file (about 65-90 us
// against 125-135 us per process start on this machine's ext4).
bool CreateClaim(const std::string& claim) {
  return symlink(std::to_string(getpid()).c_str(), claim.c_str()) == 0;
}

// Replaces a stale claim in one step (a new link renamed over it), so two
// processes taking it over at once leave one owner, the last.
bool TakeOverClaim(const std::string& claim) {
  const std::string fresh = claim + "." + std::to_string(getpid());
  unlink(fresh.c_str());
  if (symlink(std::to_string(getpid()).c_str(), fresh.c_str()) != 0) return false;
  if (rename(fresh.c_str(), claim.c_str()) == 0) return true;
  unlink(fresh.c_str());
  return false;
}

// The owner's pid; -1 when there is no claim or it is not one of ours (a
// regular file left by an older lcprof counts as stale).
long ReadClaim(const std::string& claim) {
  char buf[32] = {};
  const ssize_t n = readlink(claim.c_str(), buf, sizeof buf - 1);
  return n > 0 ? strtol(buf, nullptr, 10) : -1;
}

void ChooseFileAndRole(Options* options) {
  const std::string claim = ClaimPathFor(options->output_pattern);
  bool root = CreateClaim(claim);
  // No claim can be made beside the file (its folder is missing or not
  // writable): the process is the one the user named, and the output check
  // at start reports the path as given, without a pid suffix.
  const bool unclaimable = !root && errno != EEXIST;
  if (unclaimable) {
    options->write_if_empty = true;
    return;
  }
  if (!root) {
    long owner = ReadClaim(claim);
    if (owner == getpid()) {
      root = true;  // the root's successor after exec
    } else if (owner <= 0 || (kill(static_cast<pid_t>(owner), 0) != 0 && errno == ESRCH)) {
      root = TakeOverClaim(claim);  // stale: its process is gone
    }
  }
  if (root) {
    if (claim.size() < sizeof g_claim_path) memcpy(g_claim_path, claim.c_str(), claim.size() + 1);
  } else if (options->output_pattern.find("%p") == std::string::npos) {
    options->output_pattern += ".%p";
  }
  options->write_if_empty = root;
}

void StopAtExit() {
  if (ProfilingRunning()) {
    std::string error;
    if (!StopProfiling(nullptr, &error)) LogLine("%s", error.c_str());
  }
  // Only the process that made the claim (not a forked child that inherited
  // the variable) removes it.
  if (g_claim_path[0] != '\0' && ReadClaim(g_claim_path) == getpid()) unlink(g_claim_path);
}

__attribute__((constructor)) void StartFromEnvironment() {
  InstallExecGuard(StopAtExit);
  std::optional<Options> options = OptionsFromEnvironment();
  if (!options) return;
  if (const char* refusal = ThisProcessRefusal()) {
    LogLine("%s", refusal);  // before any file (the root claim) is made
    return;
  }
  ApplyLibcallSelection(options->libcalls, "LCPROF_LIBCALLS");
  if (options->toggle_signal != 0) {  // CPUPROFILESIGNAL: nothing starts before the signal
    if (InstallProfilingToggle(*options, StopAtExit)) atexit(StopAtExit);
    return;
  }
  ChooseFileAndRole(&*options);
  std::string error;
  if (!StartProfiling(*options, &error)) {
    LogLine("%s: %s; not profiling", options->output_variable, error.c_str());
    return;
  }
  atexit(StopAtExit);
  StartSnapshotControls(*options, StopAtExit);
}

}  // namespace
}  // namespace lcprof
