// The exec guard; see exec_guard.h.
//
// Why: an ITIMER_PROF timer and pending signals survive execve, while the
// SIGPROF handler does not. Without the guard the next tick after exec kills
// the new program with "Profiling timer expired" before it runs a line
// (before lcprof, preloaded again, could install its handler; or for good,
// when the new program is not preloaded).
//
// A vfork child runs in its parent's memory: it sees the parent's session,
// which is not its own (and it has no timer: timers are not inherited). The
// guard recognises it by pid, without taking any lock, and does nothing.
#include "profiler/control/exec_guard.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <optional>

#include "libcall/exec_hooks.h"
#include "libcall/signal_guard.h"
#include "profiler/base/log.h"
#include "profiler/control/session.h"
#include "profiler/output/profile_file.h"
#include "profiler/timers/sample_timer.h"

namespace lcprof {
namespace {

// What to restart after a failed exec: the stopped session's options, when
// the environment started it (a session started through the C API is not
// resumed).
std::optional<Options> g_resume;
void (*g_write_profile_now)();  // what exit() would have done: stop and write

// Consumes SIGPROFs already pending for this thread or the process, so none
// reaches the new image, where its default action would kill it. Raw system
// calls only: also used from a program's signal handler.
void DrainPendingSigprof() {
  sigset_t prof, old;
  sigemptyset(&prof);
  sigaddset(&prof, SIGPROF);
  // Raw calls: the interposers keep SIGPROF unblocked (signal_mask.h).
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &prof, &old, _NSIG / 8);
  const timespec no_wait{0, 0};
  while (syscall(SYS_rt_sigtimedwait, &prof, nullptr, &no_wait, _NSIG / 8) > 0) {
  }
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, nullptr, _NSIG / 8);
}

// From a program signal handler: the handler may have interrupted code
// that holds a lock the stop would take (malloc's, the session's), so only
// what is async-signal-safe is done: the timers that could leave a SIGPROF
// pending across the exec are stopped, the pending ones drained, all by raw
// system calls; nothing is freed or written. A successful exec discards
// the profile of this image (the new one, if preloaded, starts its own);
// after a failed one, sampling resumes into the same session.
bool g_suspended_in_handler = false;

void BeforeExec() {
  const auto self = static_cast<pid_t>(syscall(SYS_getpid));
  if (ProfilingProcess() != self) return;  // no session, or a vfork child's view of one
  if (libcall::SignalDepth() > 0) {
    SuspendTimersBeforeExec();
    DrainPendingSigprof();
    g_suspended_in_handler = true;
    return;
  }
  std::string error;
  StopReport report;
  if (!StopProfiling(&report, &error)) {
    LogLine("before exec: %s", error.c_str());
  } else if (report.samples != 0 || report.lost_samples != 0) {
    // The next image, preloaded again, would write the same file.
    if (!MarkProfileOfExecingImage(report.path, &error)) LogLine("before exec: %s", error.c_str());
  }
  DrainPendingSigprof();
  if (const char* out = getenv("LCPROF_OUT"); out != nullptr && *out != '\0') {
    g_resume = report.options;
  }
}

void BeforeQuickExit() {
  if (ProfilingProcess() != static_cast<pid_t>(syscall(SYS_getpid))) return;
  // From a signal handler lcprof knows of, writing (which allocates and locks)
  // could deadlock on what the interrupted code held: the profile is lost.
  if (libcall::SignalDepth() > 0 || g_write_profile_now == nullptr) return;
  g_write_profile_now();
}

void AfterFailedExec() {
  if (g_suspended_in_handler) {
    g_suspended_in_handler = false;
    ResumeTimersAfterFailedExec();
    return;
  }
  if (!g_resume) return;
  Options options = *g_resume;
  g_resume.reset();
  std::string error;
  if (!StartProfiling(options, &error)) LogLine("after a failed exec: %s", error.c_str());
}

}  // namespace

void InstallExecGuard(void (*write_profile_now)()) {
  g_write_profile_now = write_profile_now;
  libcall::SetExecHooks({BeforeExec, AfterFailedExec, BeforeQuickExit});
}

}  // namespace lcprof
