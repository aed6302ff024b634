// Session start/stop, and what a fork does to a session; see session.h.
//
// Fork: the child has one thread, no collector thread and no timer (POSIX
// timers and itimers are not inherited). It abandons the parent's session
// objects and, so that no two processes ever write the same file, starts a
// session of its own whose file is named by its pid: the pattern itself when
// it contains "%p", else "<pattern>.%p".
#include "profiler/session.h"

#include <pthread.h>
#include <unistd.h>

#include <memory>
#include <mutex>

#include "libcall/next_symbols.h"
#include "libcall/thread_hooks.h"
#include "profiler/collector.h"
#include "profiler/log.h"
#include "profiler/platform.h"
#include "profiler/pprof_writer.h"
#include "profiler/proc_maps.h"
#include "profiler/sample_buffer.h"
#include "profiler/sample_timer.h"
#include "profiler/signal_handler.h"
#include "profiler/signal_weight.h"
#include "profiler/symbolizer.h"
#include "profiler/thread_stack.h"
#include "profiler/unwinder.h"

namespace lcprof {
namespace {

// Slots in the sample ring. At 4 kHz on 8 busy threads the collector, which
// drains every 10 ms, finds about 320 samples waiting.
constexpr size_t kBufferSlots = 2048;

struct Session {
  Options options;
  std::string path;
  std::unique_ptr<SampleBuffer> buffer;
  std::unique_ptr<Collector> collector;
  std::unique_ptr<SampleTimer> timer;
  int64_t start_nanos = 0;
};

std::mutex g_mutex;
Session* g_session = nullptr;  // guarded by g_mutex

std::string MainExecutable() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

bool StartLocked(const Options& options, std::string* error) {
  if (g_session != nullptr) {
    *error = "profiling is already running (into '" + g_session->path + "')";
    return false;
  }
  auto s = std::make_unique<Session>();
  s->options = options;
  s->path = ExpandOutputPattern(options.output_pattern, getpid());
  std::string why;
  if (!CheckOutputWritable(s->path, &why)) {
    *error = "cannot write the profile to '" + s->path + "': " + why;
    return false;
  }
  libcall::ResolveNextSymbols();
  libcall::SetThreadHooks({InitThisThreadStack, nullptr});
  InitThisThreadStack();
  s->buffer = std::make_unique<SampleBuffer>(kBufferSlots);
  if (!s->buffer->ok()) {
    *error = "cannot allocate the sample buffer";
    return false;
  }
  s->collector = std::make_unique<Collector>(*s->buffer);
  if (!s->collector->Start()) {
    *error = "cannot start the collector thread";
    return false;
  }
  if (!InstallProfSignalHandler()) {
    *error = "cannot install the SIGPROF handler";
    return false;
  }
  if (!ConfigureUnwinder(options.unwind, options.depth, error)) return false;
  s->timer = MakeItimerSampleTimer();
  if (!s->timer->Start(options.hz, error)) return false;
  SetFixedSignalWeight(s->timer->period_nanos());
  s->start_nanos = WallTimeNanos();
  ArmProfSignalHandler(s->buffer.get());
  g_session = s.release();
  return true;
}

bool StopLocked(StopReport* report, std::string* error) {
  if (g_session == nullptr) {
    *error = "profiling is not running";
    return false;
  }
  std::unique_ptr<Session> s(g_session);
  g_session = nullptr;
  s->timer->Stop();
  DisarmProfSignalHandler();
  s->collector->Stop();

  ProfileMeta meta;
  meta.start_time_nanos = s->start_nanos;
  meta.duration_nanos = WallTimeNanos() - s->start_nanos;
  meta.period_nanos = static_cast<int64_t>(s->timer->period_nanos());
  meta.lost_samples = s->buffer->lost();
  meta.main_executable = MainExecutable();
  meta.comments.push_back("lcprof: timer itimer, requested " + std::to_string(s->options.hz) +
                          " Hz, period " + std::to_string(meta.period_nanos) + " ns");
  meta.comments.push_back("lcprof: " + std::to_string(s->collector->table().total_samples()) +
                          " samples, " + std::to_string(meta.lost_samples) + " lost");
  Symbolizer symbolizer(ReadProcMaps());
  auto profile = BuildProfile(s->collector->table(), meta, symbolizer);
  if (!WriteProfileFile(profile, s->path, error)) return false;
  if (report != nullptr) {
    report->path = s->path;
    report->samples = s->collector->table().total_samples();
    report->lost_samples = meta.lost_samples;
  }
  return true;
}

void PrepareFork() { g_mutex.lock(); }
void ParentAfterFork() { g_mutex.unlock(); }

void ChildAfterFork() {
  // The parent's thread that held the mutex is this thread's counterpart.
  new (&g_mutex) std::mutex();
  if (g_session == nullptr) return;
  ResetProfSignalHandlerAfterFork();
  Session* parent = g_session;
  g_session = nullptr;
  // The collector's std::thread names a thread that does not exist here;
  // destroying it would terminate the program, so it is left behind.
  (void)parent->collector.release();
  Options child = parent->options;
  delete parent;
  if (child.output_pattern.find("%p") == std::string::npos) child.output_pattern += ".%p";
  std::string error;
  if (!StartLocked(child, &error)) LogLine("forked child %d not profiled: %s", getpid(), error.c_str());
}

std::once_flag g_atfork_once;

}  // namespace

bool StartProfiling(const Options& options, std::string* error) {
  std::call_once(g_atfork_once, [] { pthread_atfork(PrepareFork, ParentAfterFork, ChildAfterFork); });
  std::lock_guard<std::mutex> lock(g_mutex);
  return StartLocked(options, error);
}

bool StopProfiling(StopReport* report, std::string* error) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return StopLocked(report, error);
}

bool ProfilingRunning() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_session != nullptr;
}

}  // namespace lcprof
