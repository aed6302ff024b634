// Session start/stop, and what a fork does to a session; see session.h.
//
// Fork: the child has one thread, no collector thread and no timer (POSIX
// timers and itimers are not inherited; perf counters it inherits as
// descriptors belong to the parent's threads). It abandons the parent's
// session objects and timers and, so that no two processes ever write the
// same file, starts a session of its own, with timers of its own, whose file
// is named by its pid: the pattern itself when it contains "%p", else
// "<pattern>.%p".
//
// Threads: the hooks installed here give each thread the pthread_create
// wrapper starts its stack bounds and (LCPROF_TIMER=thread|perf) its own
// timer, and delete that timer when it ends; threads alive at start get
// theirs from the timer engine (/proc/self/task) and their stack bounds from
// the handshake in thread_stack.h.
#include "profiler/session.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
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
#include "profiler/thread_timers.h"
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

// How long start waits for threads alive before it to report their stacks.
constexpr int kStackHandshakeMillis = 100;

std::mutex g_mutex;
Session* g_session = nullptr;      // guarded by g_mutex
std::atomic<pid_t> g_session_pid;  // the process g_session belongs to; 0 when none

void OnThreadStart() {
  InitThisThreadStack();
  ThreadTimersOnThreadStart();
}

void OnThreadExit() { ThreadTimersOnThreadExit(); }

// The profile's statement of the rate: what was asked, what the samples
// achieved (samples per CPU-second they stand for). lcprof record's summary
// line reads "requested N Hz" and "achieved M Hz" from it.
std::string RateComment(const Session& s, TimerKind ran) {
  uint64_t samples = 0, cpu_nanos = 0;
  for (const auto& [key, counts] : s.collector->table().entries()) {
    samples += counts.samples;
    cpu_nanos += counts.cpu_nanos;
  }
  const double achieved =
      cpu_nanos == 0 ? 0.0 : static_cast<double>(samples) * 1e9 / static_cast<double>(cpu_nanos);
  const uint64_t mean = samples == 0 ? 0 : cpu_nanos / samples;
  std::string timer = TimerKindName(ran);
  if (ran != s.options.timer) {
    timer += std::string(" (") + TimerKindName(s.options.timer) + " refused)";
  }
  return "lcprof: timer " + timer + ", requested " + std::to_string(s.options.hz) +
         " Hz, achieved " + std::to_string(static_cast<long long>(achieved + 0.5)) +
         " Hz (period " + std::to_string(s.timer->period_nanos()) + " ns; " +
         std::to_string(samples) + " samples of " + std::to_string(mean) + " ns CPU on average)";
}

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
  libcall::SetThreadHooks({OnThreadStart, OnThreadExit});
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
  s->timer = MakeSampleTimer(options.timer, s->buffer.get());
  if (!s->timer->Start(options.hz, error)) return false;
  s->start_nanos = WallTimeNanos();
  ArmProfSignalHandler(s->buffer.get());
  LearnOtherThreadStacks(kStackHandshakeMillis);
  g_session = s.release();
  g_session_pid.store(static_cast<pid_t>(syscall(SYS_getpid)), std::memory_order_release);
  return true;
}

bool StopLocked(StopReport* report, std::string* error, bool write_if_empty) {
  if (g_session == nullptr) {
    *error = "profiling is not running";
    return false;
  }
  std::unique_ptr<Session> s(g_session);
  g_session = nullptr;
  g_session_pid.store(0, std::memory_order_release);
  s->timer->Stop();
  DisarmProfSignalHandler();
  s->collector->Stop();
  if (!write_if_empty && s->collector->table().total_samples() == 0 && s->buffer->lost() == 0) {
    return true;
  }

  ProfileMeta meta;
  meta.start_time_nanos = s->start_nanos;
  meta.duration_nanos = WallTimeNanos() - s->start_nanos;
  meta.period_nanos = static_cast<int64_t>(s->timer->period_nanos());
  meta.lost_samples = s->buffer->lost();
  meta.main_executable = MainExecutable();
  meta.comments.push_back(RateComment(*s, s->timer->kind()));
  meta.comments.push_back(UnwindStatsComment());
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
  g_session_pid.store(0, std::memory_order_relaxed);
  if (g_session == nullptr) return;
  ResetProfSignalHandlerAfterFork();
  ResetThreadTimersAfterFork();
  Session* parent = g_session;
  g_session = nullptr;
  // The collector's std::thread names a thread that does not exist here;
  // destroying it would terminate the program, so it is left behind.
  (void)parent->collector.release();
  Options child = parent->options;
  delete parent;
  if (child.output_pattern.find("%p") == std::string::npos) child.output_pattern += ".%p";
  std::string error;
  if (!StartLocked(child, &error))
    LogLine("forked child %d not profiled: %s", getpid(), error.c_str());
}

std::once_flag g_atfork_once;

}  // namespace

bool StartProfiling(const Options& options, std::string* error) {
  std::call_once(g_atfork_once,
                 [] { pthread_atfork(PrepareFork, ParentAfterFork, ChildAfterFork); });
  std::lock_guard<std::mutex> lock(g_mutex);
  return StartLocked(options, error);
}

bool StopProfiling(StopReport* report, std::string* error, bool write_if_empty) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return StopLocked(report, error, write_if_empty);
}

pid_t ProfilingProcess() { return g_session_pid.load(std::memory_order_acquire); }

bool ProfilingRunning() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_session != nullptr;
}

}  // namespace lcprof
