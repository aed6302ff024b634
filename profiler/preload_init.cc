// Start-up for the LD_PRELOAD (and environment-driven) mode: when LCPROF_OUT is
// set, profiling starts as the library loads and the profile is written when
// the program exits (return from main or exit()). Without LCPROF_OUT nothing
// starts and the program runs exactly as without lcprof.
#include <cstdlib>
#include <string>

#include "libcall/libcall_id.h"
#include "profiler/log.h"
#include "profiler/options.h"
#include "profiler/session.h"

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

void StopAtExit() {
  if (!ProfilingRunning()) return;
  std::string error;
  if (!StopProfiling(nullptr, &error)) LogLine("%s", error.c_str());
}

// Processes this one starts with exec inherit LCPROF_OUT; unless it names
// each file by pid already, point them at "<file>.<pid>" so that no process
// overwrites another's profile.
void GiveDescendantsTheirOwnFiles(const Options& options) {
  if (options.output_pattern.find("%p") != std::string::npos) return;
  setenv("LCPROF_OUT", (options.output_pattern + ".%p").c_str(), 1);
}

__attribute__((constructor)) void StartFromEnvironment() {
  std::optional<Options> options = OptionsFromEnvironment();
  if (!options) return;
  ApplyLibcallSelection(options->libcalls, "LCPROF_LIBCALLS");
  std::string error;
  if (!StartProfiling(*options, &error)) {
    LogLine("LCPROF_OUT: %s; not profiling", error.c_str());
    return;
  }
  GiveDescendantsTheirOwnFiles(*options);
  atexit(StopAtExit);
}

}  // namespace
}  // namespace lcprof
