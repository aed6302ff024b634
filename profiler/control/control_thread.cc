// lcprof's control thread and the signals that wake it; see control_thread.h.
//
// Cost, when asked for: one thread (8 MiB of address space, a few pages of
// RSS), asleep in sem_clockwait except while it writes. Writing a profile
// costs what stop's write costs (symbolizing, encoding, gzip: tens of ms for
// a profile of thousands of stacks), now on this thread, once per period or
// signal. The thread is sampled like any other (named "lcprof-snapshot"), so
// that cost is in the profile. Its presence is visible to the program
// (/proc/self/task, and the kernel's slower multi-threaded paths for a
// program that was single-threaded), which is why it never runs by default.
//
// The thread blocks every signal but SIGPROF, so no signal meant for the
// program is ever handled on it. After fork the child has no such thread
// (only the forking thread survives): handlers in the child see that the
// thread belongs to another process, ignore flush and toggle requests, and
// let SIGTERM/SIGINT take their default action at once.
#include "profiler/control/control_thread.h"

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "libcall/next_symbols.h"
#include "profiler/base/log.h"
#include "profiler/control/session.h"
#include "profiler/control/snapshot.h"

namespace lcprof {
namespace {

constexpr unsigned kFlushRequest = 1;
constexpr unsigned kToggleRequest = 2;

// Shared with the handlers: lock-free atomics and a semaphore only.
std::atomic<unsigned> g_requests{0};
std::atomic<int> g_term_signal{0};       // the SIGTERM/SIGINT being acted on; 0: none
std::atomic<pid_t> g_thread_process{0};  // the process the thread runs in; 0: none
sem_t g_wake;

// Control path, guarded by g_control_mutex (a plain mutex: nothing to destruct at exit).
pthread_mutex_t g_control_mutex = PTHREAD_MUTEX_INITIALIZER;
bool g_taken[NSIG];  // signals lcprof's handlers hold
void (*g_write_before_dying)() = nullptr;
// The toggle's session settings and count; leaked, read by the thread only.
Options* g_toggle_options = nullptr;
int g_toggle_count = 0;

pid_t ThisProcess() { return static_cast<pid_t>(syscall(SYS_getpid)); }
bool ThreadRunsHere() { return g_thread_process.load(std::memory_order_acquire) == ThisProcess(); }

// Signal-safe: the default action, now. The signal is unblocked in the
// handler (SA_NODEFER), so it is delivered before tgkill returns.
void DieOfDefault(int sig) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  libcall::Next().sigaction(sig, &dfl, nullptr);
  syscall(SYS_tgkill, ThisProcess(), syscall(SYS_gettid), sig);
}

void OnRequestSignal(unsigned request) {
  const int saved_errno = errno;
  if (ThreadRunsHere()) {
    g_requests.fetch_or(request, std::memory_order_release);
    sem_post(&g_wake);
  }
  errno = saved_errno;
}
void OnFlushSignal(int) { OnRequestSignal(kFlushRequest); }
void OnToggleSignal(int) { OnRequestSignal(kToggleRequest); }

// A second SIGTERM/SIGINT while the first is being written, or one in a
// process without the thread, dies at once, as without lcprof.
void OnTermSignal(int sig) {
  const int saved_errno = errno;
  int none = 0;
  if (!ThreadRunsHere() || !g_term_signal.compare_exchange_strong(none, sig)) {
    DieOfDefault(sig);
  } else {
    sem_post(&g_wake);
  }
  errno = saved_errno;
}

// Takes `sig` for `handler` if the program left it at the default action.
// Control path, under g_control_mutex.
enum class Take { kTaken, kInUse, kFailed };
Take TakeSignal(int sig, void (*handler)(int)) {
  if (g_taken[sig]) return Take::kTaken;
  // libc's own sigaction, not libcall's guard: the guard would run the
  // handler behind its trampoline as if it were the program's.
  struct sigaction old {};
  if (libcall::Next().sigaction(sig, nullptr, &old) != 0) return Take::kFailed;
  if (old.sa_handler != SIG_DFL) return Take::kInUse;
  struct sigaction act {};
  act.sa_handler = handler;
  act.sa_flags = SA_RESTART | SA_NODEFER;
  sigemptyset(&act.sa_mask);
  if (libcall::Next().sigaction(sig, &act, nullptr) != 0) return Take::kFailed;
  g_taken[sig] = true;
  return Take::kTaken;
}

void StopSession() {
  std::string error;
  if (ProfilingRunning() && !StopProfiling(nullptr, &error)) LogLine("%s", error.c_str());
}

void WriteBeforeDying() {
  if (g_write_before_dying != nullptr) {
    g_write_before_dying();
  } else {
    StopSession();
  }
}

void Toggle() {
  if (ProfilingRunning()) {
    StopSession();
    return;
  }
  Options o = *g_toggle_options;
  o.output_pattern += "." + std::to_string(g_toggle_count++);
  std::string error;
  if (!StartProfiling(o, &error)) {
    LogLine("CPUPROFILESIGNAL: %s; not profiling", error.c_str());
    return;
  }
  StartSnapshotControls(o, g_write_before_dying);
}

void ServeRequests() {
  if (const int sig = g_term_signal.load(std::memory_order_acquire); sig != 0) {
    WriteBeforeDying();
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    libcall::Next().sigaction(sig, &dfl, nullptr);
    kill(getpid(), sig);  // this thread blocks it: a program thread takes it
    for (;;) pause();
  }
  const unsigned requests = g_requests.exchange(0, std::memory_order_acquire);
  std::string error;
  if ((requests & kToggleRequest) != 0) Toggle();
  if ((requests & kFlushRequest) != 0) {
    WithRunningSession([&error](const SessionView& s) {
      if (!WriteSnapshotProfile(s, &error)) LogLine("flush: %s", error.c_str());
    });
  }
  WithRunningSession([&error](const SessionView& s) {
    if (!WritePeriodProfile(s, /*final=*/false, &error))
      LogLine("LCPROF_PERIOD: %s", error.c_str());
  });
}

void* ThreadMain(void*) {
  prctl(PR_SET_NAME, "lcprof-snapshot", 0, 0, 0);
  sigset_t prof;
  sigemptyset(&prof);
  sigaddset(&prof, SIGPROF);
  syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &prof, nullptr, _NSIG / 8);
  for (;;) {
    int64_t due = 0;
    WithRunningSession([&due](const SessionView& s) { due = NextPeriodDue(s); });
    if (due == 0) {
      while (sem_wait(&g_wake) != 0 && errno == EINTR) {
      }
    } else {
      const timespec at{static_cast<time_t>(due / 1000000000), static_cast<long>(due % 1000000000)};
      sem_clockwait(&g_wake, CLOCK_MONOTONIC, &at);  // a post, the deadline or EINTR: all re-check
    }
    ServeRequests();
  }
  return nullptr;
}

// Under g_control_mutex. Starts the thread in this process unless it runs.
void EnsureThread() {
  if (ThreadRunsHere()) {
    sem_post(&g_wake);  // a new session: let it recompute its deadline
    return;
  }
  sem_init(&g_wake, 0, 0);
  // Created with every signal blocked, so none meant for the program can
  // land on it before it unblocks SIGPROF alone.
  sigset_t all, old;
  sigfillset(&all);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, _NSIG / 8);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  const int rc = pthread_create(&thread, &attr, ThreadMain, nullptr);
  pthread_attr_destroy(&attr);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, nullptr, _NSIG / 8);
  if (rc != 0) {
    LogLine("cannot start the snapshot thread: %s; no snapshots", strerror(rc));
    return;
  }
  g_thread_process.store(ThisProcess(), std::memory_order_release);
}

const char* SignalName(int sig) {
  const char* name = sigabbrev_np(sig);
  return name != nullptr ? name : "?";
}

}  // namespace

void StartSnapshotControls(const Options& options, void (*write_before_dying)()) {
  const bool flush = options.flush_signal != 0, period = options.period_nanos != 0;
  if (!flush && !period && !options.on_term) return;
  pthread_mutex_lock(&g_control_mutex);
  if (write_before_dying != nullptr) g_write_before_dying = write_before_dying;
  bool need_thread = period;
  if (flush) {
    switch (TakeSignal(options.flush_signal, OnFlushSignal)) {
      case Take::kTaken:
        need_thread = true;
        break;
      case Take::kInUse:
        LogLine(
            "LCPROF_FLUSH_SIGNAL: the program already handles or ignores SIG%s; lcprof "
            "leaves it alone (no flush on it)",
            SignalName(options.flush_signal));
        break;
      case Take::kFailed:
        LogLine("LCPROF_FLUSH_SIGNAL: cannot handle SIG%s: %s", SignalName(options.flush_signal),
                strerror(errno));
        break;
    }
  }
  if (options.on_term) {
    // A signal the program handles or ignores is its own business: its
    // handler runs as without lcprof (and exit() still writes the profile).
    for (int sig : {SIGTERM, SIGINT}) {
      if (TakeSignal(sig, OnTermSignal) == Take::kTaken) need_thread = true;
    }
  }
  if (need_thread) EnsureThread();
  pthread_mutex_unlock(&g_control_mutex);
}

bool InstallProfilingToggle(const Options& options, void (*write_before_dying)()) {
  pthread_mutex_lock(&g_control_mutex);
  bool ok = false;
  const int sig = options.toggle_signal;
  switch (TakeSignal(sig, OnToggleSignal)) {
    case Take::kTaken:
      g_toggle_options = new Options(options);
      g_toggle_options->toggle_signal = 0;
      g_write_before_dying = write_before_dying;
      EnsureThread();
      ok = true;
      break;
    case Take::kInUse:
      LogLine("CPUPROFILESIGNAL: signal %d (SIG%s) is already in use; not profiling", sig,
              SignalName(sig));
      break;
    case Take::kFailed:
      LogLine("CPUPROFILESIGNAL: cannot handle signal %d: %s; not profiling", sig, strerror(errno));
      break;
  }
  pthread_mutex_unlock(&g_control_mutex);
  return ok;
}

}  // namespace lcprof
