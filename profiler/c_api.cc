// The public C API (include/lcprof/lcprof.h) and the gperftools-compatible
// entry points (include/lcprof/profiler.h), both thin layers over session.h.
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>

#include "lcprof/lcprof.h"
#include "lcprof/profiler.h"
#include "profiler/log.h"
#include "profiler/options.h"
#include "profiler/session.h"

#define LCPROF_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

std::mutex g_state_mutex;
std::string g_last_error;       // guarded by g_state_mutex
std::string g_last_path;        // guarded by g_state_mutex
time_t g_start_time = 0;        // guarded by g_state_mutex

int Fail(const std::string& why) {
  lcprof::LogLine("%s", why.c_str());
  std::lock_guard<std::mutex> lock(g_state_mutex);
  g_last_error = why;
  return -1;
}

int Start(const char* path, int hz) {
  if (path == nullptr || *path == '\0') return Fail("lcprof_start: no output path given");
  lcprof::Options options;
  options.output_pattern = path;
  options.hz = hz;
  std::string error;
  if (!lcprof::StartProfiling(options, &error)) return Fail(error);
  std::lock_guard<std::mutex> lock(g_state_mutex);
  g_last_error.clear();
  g_last_path = path;
  g_start_time = time(nullptr);
  return 0;
}

}  // namespace

LCPROF_EXPORT void lcprof_options_init(lcprof_options* options) {
  if (options == nullptr) return;
  memset(options, 0, sizeof *options);
  options->struct_size = sizeof *options;
  options->frequency_hz = lcprof::kDefaultHz;
}

LCPROF_EXPORT int lcprof_start(const char* path, const lcprof_options* options) {
  int hz = lcprof::kDefaultHz;
  if (options != nullptr) {
    if (options->struct_size < offsetof(lcprof_options, frequency_hz) + sizeof(int)) {
      return Fail("lcprof_start: options not initialised with lcprof_options_init");
    }
    hz = options->frequency_hz;
    if (hz < 1 || hz > lcprof::kMaxHz) {
      return Fail("lcprof_start: frequency_hz " + std::to_string(hz) + " is outside 1.." +
                  std::to_string(lcprof::kMaxHz));
    }
  }
  return Start(path, hz);
}

LCPROF_EXPORT int lcprof_stop(void) {
  std::string error;
  if (!lcprof::StopProfiling(nullptr, &error)) return Fail("lcprof_stop: " + error);
  return 0;
}

LCPROF_EXPORT int lcprof_is_running(void) { return lcprof::ProfilingRunning() ? 1 : 0; }

LCPROF_EXPORT const char* lcprof_last_error(void) {
  std::lock_guard<std::mutex> lock(g_state_mutex);
  return g_last_error.c_str();
}

LCPROF_EXPORT int ProfilerStart(const char* fname) {
  int hz = lcprof::kDefaultHz;
  if (const char* env = getenv("LCPROF_HZ"); env != nullptr && !lcprof::ParseHz(env, &hz)) {
    lcprof::LogLine("LCPROF_HZ='%s' is not a whole number from 1 to %d; sampling at %d Hz", env,
                    lcprof::kMaxHz, lcprof::kDefaultHz);
    hz = lcprof::kDefaultHz;
  }
  return Start(fname, hz) == 0 ? 1 : 0;
}

LCPROF_EXPORT void ProfilerStop(void) {
  std::string error;
  if (lcprof::ProfilingRunning() && !lcprof::StopProfiling(nullptr, &error)) {
    Fail("ProfilerStop: " + error);
  }
}

LCPROF_EXPORT void ProfilerRegisterThread(void) {}

LCPROF_EXPORT int ProfilingIsEnabledForAllThreads(void) { return 1; }

LCPROF_EXPORT void ProfilerGetCurrentState(struct ProfilerState* state) {
  if (state == nullptr) return;
  memset(state, 0, sizeof *state);
  state->enabled = lcprof::ProfilingRunning() ? 1 : 0;
  if (!state->enabled) return;
  std::lock_guard<std::mutex> lock(g_state_mutex);
  state->start_time = g_start_time;
  strncpy(state->profile_name, g_last_path.c_str(), sizeof state->profile_name - 1);
}
