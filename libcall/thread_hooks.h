// How the rest of lcprof learns of threads: the pthread_create wrapper calls
// these hooks on the new thread before its start routine runs and after it
// returns (or exits), so per-thread state is ready before any sample on it.
#pragma once

namespace lcprof::libcall {

struct ThreadHooks {
  void (*on_thread_start)();  // runs on the new thread, first thing
  void (*on_thread_exit)();   // runs on the thread, after its start routine
};

// Installs the hooks (control path, before threads are created). Either
// pointer may be null. Thread-safe: the pointers are published atomically.
void SetThreadHooks(const ThreadHooks& hooks);

// Called by the pthread_create wrapper's trampoline on the new thread.
void RunThreadStartHook();
void RunThreadExitHook();

}  // namespace lcprof::libcall
