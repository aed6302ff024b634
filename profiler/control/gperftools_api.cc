// The gperftools CPU profiler interface (include/gperftools/profiler.h) over
// lcprof's session (session.h), snapshots (snapshot.h) and control thread
// (control_thread.h). Control path. docs/gperftools.md lists what differs
// from gperftools.
#include <cstring>
#include <string>

#include "gperftools/profiler.h"
#include "libcall/libcall_id.h"
#include "profiler/base/log.h"
#include "profiler/base/options.h"
#include "profiler/control/control_thread.h"
#include "profiler/control/session.h"
#include "profiler/control/snapshot.h"

#define LCPROF_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// gperftools takes its settings from the environment, and so does this:
// lcprof's variables, or gperftools' where lcprof's are absent. The file is
// `fname`, whatever LCPROF_OUT or CPUPROFILE say.
int StartGperftools(const char* fname, const char* caller) {
  if (fname == nullptr || *fname == '\0') {
    lcprof::LogLine("%s: no profile file name given; not profiling", caller);
    return 0;
  }
  lcprof::Options o;
  lcprof::ReadTuningFromEnvironment(&o);
  o.output_pattern = fname;
  std::string unknown;
  if (!lcprof::libcall::ConfigureLibcalls(o.libcalls, &unknown)) {
    lcprof::LogLine("LCPROF_LIBCALLS: unknown call(s) '%s' ignored", unknown.c_str());
  }
  std::string error;
  if (!lcprof::StartProfiling(o, &error)) {
    lcprof::LogLine("%s: %s", caller, error.c_str());
    return 0;
  }
  lcprof::StartSnapshotControls(o);
  return 1;
}

}  // namespace

LCPROF_EXPORT int ProfilerStart(const char* fname) {
  return StartGperftools(fname, "ProfilerStart");
}

LCPROF_EXPORT int ProfilerStartWithOptions(const char* fname, const ProfilerOptions* options) {
  // gperftools calls the filter inside its SIGPROF handler. lcprof's handler
  // runs no program code: its stop waits for every handler to leave the
  // recording path, which a filter that blocks or longjmps would break.
  if (options != nullptr && options->filter_in_thread != nullptr) {
    lcprof::LogLine(
        "ProfilerStartWithOptions: filter_in_thread is not called; every thread is "
        "profiled (select threads in pprof with -tagfocus=thread_name=...)");
  }
  return StartGperftools(fname, "ProfilerStartWithOptions");
}

LCPROF_EXPORT void ProfilerStop(void) {
  std::string error;
  if (lcprof::ProfilingRunning() && !lcprof::StopProfiling(nullptr, &error)) {
    lcprof::LogLine("ProfilerStop: %s", error.c_str());
  }
}

LCPROF_EXPORT void ProfilerFlush(void) {
  lcprof::WithRunningSession([](const lcprof::SessionView& s) {
    std::string error;
    if (!lcprof::WriteSnapshotProfile(s, &error))
      lcprof::LogLine("ProfilerFlush: %s", error.c_str());
  });
}

// No-ops in gperftools too (deprecated per-thread switches).
LCPROF_EXPORT void ProfilerEnable(void) {}
LCPROF_EXPORT void ProfilerDisable(void) {}

// gperftools needs it for per-thread timers; lcprof's thread timer covers
// every thread by itself.
LCPROF_EXPORT void ProfilerRegisterThread(void) {}

LCPROF_EXPORT int ProfilingIsEnabledForAllThreads(void) {
  return lcprof::ProfilingRunning() ? 1 : 0;
}

LCPROF_EXPORT void ProfilerGetCurrentState(ProfilerState* state) {
  if (state == nullptr) return;
  memset(state, 0, sizeof *state);
  lcprof::WithRunningSession([state](const lcprof::SessionView& s) {
    state->enabled = 1;
    state->start_time = static_cast<time_t>(s.start_nanos / 1000000000);
    strncpy(state->profile_name, s.path.c_str(), sizeof state->profile_name - 1);
    const uint64_t samples = lcprof::SamplesSoFar(s);
    state->samples_gathered = samples > 0x7fffffff ? 0x7fffffff : static_cast<int>(samples);
  });
}
