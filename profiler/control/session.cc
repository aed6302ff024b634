// Session start/stop, and what a fork does to a session; see session.h.
//
// Fork: the child has one thread and no timer (POSIX timers and itimers are
// not inherited; perf counters it inherits as descriptors belong to the
// parent's threads). It forgets the parent's timers, empties its copy of the
// parent's sample storage (its profile holds none of the parent's samples)
// and, so that no two processes ever write the same file, restarts the
// session in place, with a timer of its own (ChildAfterFork: cheap, inside
// the fork handler), into a file named by its pid: the pattern itself when
// it contains "%p", else "<pattern>.%p". It writes that file only if it got
// samples.
//
// Threads: the hooks installed here give each thread the pthread_create
// wrapper starts its stack bounds and (LCPROF_TIMER=thread|perf) its own
// timer, and delete that timer when it ends; threads alive at start get
// theirs from the timer engine (/proc/self/task) and their stack bounds from
// the handshake in thread_stack.h.
#include "profiler/control/session.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>

#include "libcall/next_symbols.h"
#include "libcall/thread_hooks.h"
#include "profiler/base/cancellation.h"
#include "profiler/base/log.h"
#include "profiler/base/platform.h"
#include "profiler/base/proc_maps.h"
#include "profiler/control/secure_process.h"
#include "profiler/control/snapshot.h"
#include "profiler/output/pprof_writer.h"
#include "profiler/output/profile_file.h"
#include "profiler/output/symbolizer.h"
#include "profiler/output/unloaded_modules.h"
#include "profiler/sampling/sample_storage.h"
#include "profiler/sampling/signal_handler.h"
#include "profiler/sampling/signal_weight.h"
#include "profiler/timers/sample_timer.h"
#include "profiler/timers/thread_timers.h"
#include "profiler/unwinding/thread_stack.h"
#include "profiler/unwinding/unwinder.h"

namespace lcprof {
namespace {

struct Session {
  Options options;
  std::string path;
  std::unique_ptr<SampleStorage> storage;  // what the SIGPROF handler fills
  std::unique_ptr<SampleTimer> timer;
  int64_t start_nanos = 0;
  uint64_t start_cpu_nanos = 0;  // the process's CPU time at start
  uint64_t serial = 0;
  // Restarted in a fork child: its file name is made at stop (the pattern
  // with the child's pid), not in the fork handler.
  bool forked_child = false;
};

// Totals of the stack table, lost samples apart. Control path, once disarmed.
struct SampleTotals {
  uint64_t samples = 0;
  uint64_t cpu_nanos = 0;
};

SampleTotals CountSamples(const StackTable& table) {
  SampleTotals t;
  table.ForEachStack([&t](const StackTable::StackView& v) {
    t.samples += v.samples;
    t.cpu_nanos += v.cpu_nanos;
  });
  return t;
}

uint64_t ProcessCpuNanos() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// How long start waits for threads alive before it to report their stacks.
constexpr int kStackHandshakeMillis = 100;

std::mutex g_mutex;
Session* g_session = nullptr;      // guarded by g_mutex
std::atomic<pid_t> g_session_pid;  // the process g_session belongs to; 0 when none
uint64_t g_sessions_started = 0;   // guarded by g_mutex

// A session restarted in a fork child gets its file name here, on the
// control path, rather than in the fork handler: the pattern with the
// child's pid ("<pattern>.%p" when it has no "%p").
void NameForkedChildFile(Session* s) {
  if (!s->forked_child) return;
  s->forked_child = false;
  if (s->options.output_pattern.find("%p") == std::string::npos) s->options.output_pattern += ".%p";
  s->path = ExpandOutputPattern(s->options.output_pattern, getpid());
}

SessionView ViewOf(const Session& s) {
  return {
      s.options, s.path, *s.storage, s.start_nanos, static_cast<int64_t>(s.timer->period_nanos()),
      s.serial};
}

void OnThreadStart() {
  InitThisThreadStack();
  ThreadTimersOnThreadStart();
}

// The exit settlement: CPU the thread's timer passed but never signalled is
// recorded as "[unsampled: ...]" under the thread's root, not under this
// exit path, whose frames are lcprof's (RecordUnsampledCpu).
__attribute__((noinline)) void OnThreadExit() {
  if (const uint64_t unreported = ThreadTimersOnThreadExit(); unreported != 0) {
    ucontext_t uc;
    getcontext(&uc);
    RecordUnsampledCpu(&uc, unreported);
  }
}

// The profile's statement of the rate: what was asked, what the samples
// achieved (samples per CPU-second they stand for). lcprof record's summary
// line reads "requested N Hz" and "achieved M Hz" from it.
std::string RateComment(const Session& s, TimerKind ran, const SampleTotals& totals) {
  const uint64_t samples = totals.samples, cpu_nanos = totals.cpu_nanos;
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

// `storage`: an emptied storage for options.max_stacks to use, or null for a
// new one.
bool StartLocked(const Options& options, std::string* error,
                 std::unique_ptr<SampleStorage> storage = nullptr) {
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
  s->storage = storage != nullptr
                   ? std::move(storage)
                   : std::make_unique<SampleStorage>(static_cast<size_t>(options.max_stacks));
  if (!s->storage->ok()) {
    *error = "cannot reserve " + std::to_string(s->storage->reserved_bytes() >> 20) +
             " MiB of address space for " + std::to_string(options.max_stacks) +
             " stacks (LCPROF_STACKS)";
    return false;
  }
  if (!InstallProfSignalHandler()) {
    *error = "cannot install the SIGPROF handler";
    return false;
  }
  if (!ConfigureUnwinder(options.unwind, options.depth, error)) return false;
  s->timer = MakeSampleTimer(options.timer);
  s->start_nanos = WallTimeNanos();
  s->start_cpu_nanos = ProcessCpuNanos();
  // Armed before the timers start: a thread's exit settlement may come at
  // once, and it needs the storage.
  ArmProfSignalHandler(s->storage.get());
  // Every engine's signal is weighed by its thread's CPU time (thread_timers.h).
  SetPerThreadSignalWeight();
  if (!s->timer->Start(options.hz, error)) {
    ClearSignalWeight();
    DisarmProfSignalHandler();
    return false;
  }
  LearnOtherThreadStacks(kStackHandshakeMillis);
  s->serial = ++g_sessions_started;
  StartRecordingUnloads();
  g_session = s.release();
  g_session_pid.store(static_cast<pid_t>(syscall(SYS_getpid)), std::memory_order_release);
  return true;
}

// Why a profile holds no sample, for its comment: the CPU time the process
// used while profiled against the sampling period.
std::string EmptyProfileComment(const Session& s) {
  auto ms = [](uint64_t nanos) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(nanos) / 1e6);
    return std::string(buf);
  };
  const uint64_t cpu = ProcessCpuNanos() - s.start_cpu_nanos;
  const uint64_t period = s.timer->period_nanos();
  const std::string used = "lcprof: no samples: the process used " + ms(cpu) +
                           " of CPU time while profiled, " + (cpu < period ? "less" : "more") +
                           " than one sampling period (" + ms(period) + " at " +
                           std::to_string(s.options.hz) + " Hz)";
  if (cpu < period) return used;
  // CPU-time timers are checked at the kernel's tick: a process that runs in
  // bursts shorter than a tick (a shell forking children) can pass several
  // periods without a signal.
  return used +
         ", but timers are checked at the kernel's tick: work in bursts shorter than a "
         "tick, or with SIGPROF blocked, can go unsampled";
}

bool StopLocked(StopReport* report, std::string* error) {
  if (g_session == nullptr) {
    *error = "profiling is not running";
    return false;
  }
  std::unique_ptr<Session> s(g_session);
  g_session = nullptr;
  g_session_pid.store(0, std::memory_order_release);
  if (report != nullptr) report->options = s->options;
  s->timer->Stop();
  // From here no handler touches the storage: its counts are final.
  DisarmProfSignalHandler();
  std::vector<UnloadedModule> unloaded = StopRecordingUnloads();
  const StackTable& stacks = s->storage->stacks;
  const SampleTotals totals = CountSamples(stacks);
  const uint64_t lost = stacks.lost_samples();
  if (s->forked_child) {
    NameForkedChildFile(s.get());
    if (report != nullptr) report->options = s->options;
  }
  if (!s->options.write_if_empty && totals.samples == 0 && lost == 0) {
    KeepProfileOfEarlierImage(s->path);
    return true;
  }
  SetAsideProfileOfEarlierImage(s->path);
  // The last, partial period's numbered file, before the whole run's.
  if (s->options.period_nanos != 0 && !WritePeriodProfile(ViewOf(*s), /*final=*/true, error)) {
    LogLine("%s", error->c_str());
    error->clear();
  }

  ProfileMeta meta;
  meta.start_time_nanos = s->start_nanos;
  meta.duration_nanos = WallTimeNanos() - s->start_nanos;
  meta.period_nanos = static_cast<int64_t>(s->timer->period_nanos());
  meta.main_executable = MainExecutable();
  meta.comments.push_back(RateComment(*s, s->timer->kind(), totals));
  meta.comments.push_back(UnwindStatsComment());
  meta.comments.push_back("lcprof: " + std::to_string(totals.samples) + " samples, " +
                          std::to_string(lost) + " lost");
  if (totals.samples == 0 && lost == 0) meta.comments.push_back(EmptyProfileComment(*s));
  // An empty profile names nothing: /proc/self/maps is read only for samples.
  Symbolizer symbolizer(totals.samples != 0 ? ReadProcMaps() : std::vector<MemoryMapping>{});
  symbolizer.AddUnloadedModules(std::move(unloaded));
  symbolizer.set_line_reading(s->options.lines);
  auto profile = BuildProfile(stacks, s->storage->thread_names.Names(), meta, symbolizer);
  if (!WriteProfileFile(profile, s->path, error)) return false;
  if (report != nullptr) {
    report->path = s->path;
    report->samples = totals.samples;
    report->lost_samples = lost;
  }
  return true;
}

void PrepareFork() { g_mutex.lock(); }
void ParentAfterFork() { g_mutex.unlock(); }

// The child's restart, inside the fork handler, so it is kept to what is
// cheap and needs no other thread: no allocation, no file or /proc access,
// no thread enumeration or stack handshake (the child's only thread is the
// forking one, whose stack bounds it inherited with its memory). The
// parent's session object is reused in place: its storage emptied, its
// timer engine restarted for this one thread (sample_timer.h), its file
// name made at stop. A child that execs soon after stops this session in
// the exec guard, having paid only for arming one timer.
void ChildAfterFork() {
  // The parent's thread that held the mutex is this thread's counterpart.
  new (&g_mutex) std::mutex();
  ResetUnloadedModulesAfterFork();
  g_session_pid.store(0, std::memory_order_relaxed);
  if (g_session == nullptr) return;
  ResetProfSignalHandlerAfterFork();
  ResetSampleTimersAfterFork();
  Session* s = g_session;
  // Disarmed and alone, the child empties its copy of the parent's storage:
  // its profile holds none of the parent's samples.
  s->storage->Reset();
  s->forked_child = true;
  s->options.write_if_empty = false;  // a descendant: a file only with samples
  s->start_nanos = WallTimeNanos();
  s->start_cpu_nanos = ProcessCpuNanos();
  s->serial = ++g_sessions_started;
  ArmProfSignalHandler(s->storage.get());
  if (!s->timer->RestartInForkChild()) {
    DisarmProfSignalHandler();
    g_session = nullptr;
    delete s;
    LogLine("forked child %d not profiled: its timer could not be armed", getpid());
    return;
  }
  g_session_pid.store(static_cast<pid_t>(syscall(SYS_getpid)), std::memory_order_release);
}

std::once_flag g_atfork_once;

}  // namespace

bool StartProfiling(const Options& options, std::string* error) {
  const CancellationHeld held;
  if (const char* refusal = ThisProcessRefusal()) {
    *error = refusal;
    return false;
  }
  std::call_once(g_atfork_once,
                 [] { pthread_atfork(PrepareFork, ParentAfterFork, ChildAfterFork); });
  std::lock_guard<std::mutex> lock(g_mutex);
  return StartLocked(options, error);
}

bool StopProfiling(StopReport* report, std::string* error) {
  const CancellationHeld held;
  std::lock_guard<std::mutex> lock(g_mutex);
  return StopLocked(report, error);
}

pid_t ProfilingProcess() { return g_session_pid.load(std::memory_order_acquire); }

bool WithRunningSession(const std::function<void(const SessionView&)>& fn) {
  const CancellationHeld held;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_session == nullptr || g_session_pid.load(std::memory_order_relaxed) != getpid()) {
    return false;
  }
  NameForkedChildFile(g_session);
  fn(ViewOf(*g_session));
  return true;
}

bool ProfilingRunning() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_session != nullptr;
}

}  // namespace lcprof
