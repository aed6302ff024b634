// The public C API (include/lcprof/lcprof.h), a thin layer over session.h.
// The gperftools entry points are in gperftools_api.cc.
#include <pthread.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>

#include "lcprof/lcprof.h"
#include "libcall/libcall_id.h"
#include "profiler/base/log.h"
#include "profiler/base/options.h"
#include "profiler/control/session.h"

#define LCPROF_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

std::mutex g_state_mutex;
std::string g_last_error;  // guarded by g_state_mutex

// Fork: held across fork, so the child's copy is consistent and unlocked.
void LockForFork() { g_state_mutex.lock(); }
void UnlockAfterFork() { g_state_mutex.unlock(); }
void ResetInChild() { new (&g_state_mutex) std::mutex(); }
__attribute__((constructor)) void RegisterForkHandlers() {
  pthread_atfork(LockForFork, UnlockAfterFork, ResetInChild);
}

int Fail(const std::string& why) {
  lcprof::LogLine("%s", why.c_str());
  std::lock_guard<std::mutex> lock(g_state_mutex);
  g_last_error = why;
  return -1;
}

int Start(const char* path, lcprof::Options options) {
  if (path == nullptr || *path == '\0') return Fail("lcprof_start: no output path given");
  options.output_pattern = path;
  std::string unknown;
  if (!lcprof::libcall::ConfigureLibcalls(options.libcalls, &unknown)) {
    lcprof::LogLine("LCPROF_LIBCALLS: unknown call(s) '%s' ignored", unknown.c_str());
  }
  std::string error;
  if (!lcprof::StartProfiling(options, &error)) return Fail(error);
  std::lock_guard<std::mutex> lock(g_state_mutex);
  g_last_error.clear();
  return 0;
}

}  // namespace

LCPROF_EXPORT void lcprof_options_init(lcprof_options* options) {
  if (options == nullptr) return;
  memset(options, 0, sizeof *options);
  options->struct_size = sizeof *options;
  options->frequency_hz = lcprof::kDefaultHz;
  options->max_depth = lcprof::kDefaultDepth;
  options->max_stacks = lcprof::kDefaultStacks;
}

// True when the caller's struct (of size `size`) includes the field at `offset`.
#define LCPROF_HAS_FIELD(opts, field) \
  ((opts)->struct_size >= offsetof(lcprof_options, field) + sizeof((opts)->field))

LCPROF_EXPORT int lcprof_start(const char* path, const lcprof_options* options) {
  lcprof::Options o;
  if (options == nullptr) return Start(path, o);
  if (!LCPROF_HAS_FIELD(options, frequency_hz)) {
    return Fail("lcprof_start: options not initialised with lcprof_options_init");
  }
  o.hz = options->frequency_hz;
  if (o.hz < 1 || o.hz > lcprof::kMaxHz) {
    return Fail("lcprof_start: frequency_hz " + std::to_string(o.hz) + " is outside 1.." +
                std::to_string(lcprof::kMaxHz));
  }
  if (LCPROF_HAS_FIELD(options, timer) && options->timer != nullptr &&
      !lcprof::ParseTimerKind(options->timer, &o.timer)) {
    return Fail(std::string("lcprof_start: timer '") + options->timer +
                "' is not one of itimer, thread, perf");
  }
  if (LCPROF_HAS_FIELD(options, unwind) && options->unwind != nullptr &&
      !lcprof::ParseUnwindMode(options->unwind, &o.unwind)) {
    return Fail(std::string("lcprof_start: unwind '") + options->unwind +
                "' is not one of fp, dwarf, hybrid");
  }
  if (LCPROF_HAS_FIELD(options, max_depth)) {
    o.depth = options->max_depth;
    if (o.depth < 1 || o.depth > lcprof::kMaxDepth) {
      return Fail("lcprof_start: max_depth " + std::to_string(o.depth) + " is outside 1.." +
                  std::to_string(lcprof::kMaxDepth));
    }
  }
  if (LCPROF_HAS_FIELD(options, max_stacks)) {
    o.max_stacks = options->max_stacks;
    if (o.max_stacks < 1 || o.max_stacks > lcprof::kMaxStacks) {
      return Fail("lcprof_start: max_stacks " + std::to_string(o.max_stacks) + " is outside 1.." +
                  std::to_string(lcprof::kMaxStacks));
    }
  }
  return Start(path, o);
}

LCPROF_EXPORT int lcprof_stop(void) {
  std::string error;
  if (!lcprof::StopProfiling(nullptr, &error)) return Fail("lcprof_stop: " + error);
  return 0;
}

LCPROF_EXPORT int lcprof_is_running(void) { return lcprof::ProfilingRunning() ? 1 : 0; }

LCPROF_EXPORT const char* lcprof_last_error(void) {
  // A copy per thread: the shared string may be replaced by another
  // thread's failure as soon as the lock is released.
  thread_local std::string copy;
  std::lock_guard<std::mutex> lock(g_state_mutex);
  copy = g_last_error;
  return copy.c_str();
}
