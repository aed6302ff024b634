// What profiling does when the process replaces its image with exec*: the
// profile so far is written (when it holds samples) and sampling stops, with
// no SIGPROF left pending, before the new image starts; if the exec fails,
// profiling resumes. Installed through libcall's exec hooks (exec_hooks.h)
// by preload_init.cc. Control path. Also: a process that ends with _exit
// (no atexit handlers) writes its profile first.
#pragma once

namespace lcprof {

// `write_profile_now` is what the process does at exit(); the guard runs it
// from _exit/_Exit too, which skip atexit handlers.
void InstallExecGuard(void (*write_profile_now)());

}  // namespace lcprof
