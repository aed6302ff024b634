// How the profiler learns that the process is about to replace its image
// or end without atexit handlers:
// the exec* wrappers (exec_linux.cc) call the hook first. An ITIMER_PROF
// timer and a pending SIGPROF both survive execve while the handler does
// not, so without this the new program would be killed by the profiler's
// next tick before it ever ran (and programs that exec without lcprof
// preloaded would die the same way).
#pragma once

namespace lcprof::libcall {

struct ExecHooks {
  void (*before_exec)();        // profiling must end here (no signal left pending)
  void (*after_failed_exec)();  // the exec returned: the old image runs on
  // _exit/_Exit: the process ends without running atexit handlers (shells
  // such as dash always leave this way); the profile must be written here.
  void (*before_quick_exit)();
};

// Control path; either pointer may be null.
void SetExecHooks(const ExecHooks& hooks);

void RunBeforeExecHook();
void RunAfterFailedExecHook();
void RunBeforeQuickExitHook();

}  // namespace lcprof::libcall
