// exec* and _exit interposers (Linux): each exec runs the before-exec hook (exec_hooks.h),
// then the real call, and the after-failed-exec hook if it returns. They
// publish no libcall record (a successful exec never returns to clear it).
// The execl* family is variadic: the arguments are gathered into an array
// on the stack (no allocation: these may run in a vfork child).
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>

#include "libcall/exec_hooks.h"
#include "libcall/next_symbols.h"
#include "libcall/signal_mask.h"

#define LCPROF_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

template <typename Fn>
Fn* Real(Fn*& slot, const char* name) {
  if (slot == nullptr) slot = reinterpret_cast<Fn*>(lcprof::libcall::ResolveNext(name));
  return slot;
}

using ExitFn = void(int);
ExitFn* g_exit_now;
ExitFn* g_exit_now_c99;
using ExecveFn = int(const char*, char* const[], char* const[]);
using ExecvFn = int(const char*, char* const[]);
using FexecveFn = int(int, char* const[], char* const[]);
using ExecveatFn = int(int, const char*, char* const[], char* const[], int);
ExecveFn* g_execve;
ExecveFn* g_execvpe;
ExecvFn* g_execv;
ExecvFn* g_execvp;
FexecveFn* g_fexecve;
ExecveatFn* g_execveat;

// Resolved at load, not at first use: an exec wrapper may run in a vfork
// child, where dlsym's allocations would touch the parent's heap.
__attribute__((constructor(102))) void ResolveExecAtLoad() {
  Real(g_execve, "execve");
  Real(g_execvpe, "execvpe");
  Real(g_execv, "execv");
  Real(g_execvp, "execvp");
  Real(g_fexecve, "fexecve");
  Real(g_execveat, "execveat");
  Real(g_exit_now, "_exit");
  Real(g_exit_now_c99, "_Exit");
}

// Runs `exec` between the hooks, keeping the failed exec's errno. The new
// image inherits the mask the program believes it has: owned signals its
// view blocks (signal_mask.h) are blocked in the kernel for the exec only
// (the session has stopped by then).
template <typename Call>
int Exec(Call exec) {
  lcprof::libcall::RunBeforeExecHook();
  sigset_t view;
  sigemptyset(&view);
  lcprof::libcall::AddSignalBits(&view, lcprof::libcall::ProgramBlockedBits());
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &view, nullptr, _NSIG / 8);
  int rc = exec();
  int saved = errno;
  syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &view, nullptr, _NSIG / 8);
  lcprof::libcall::RunAfterFailedExecHook();
  errno = saved;
  return rc;
}

// Counts the variadic arguments after `first` up to the terminating null.
size_t CountArgs(const char* first, va_list ap) {
  size_t n = 1;
  if (first == nullptr) return 0;
  while (va_arg(ap, const char*) != nullptr) ++n;
  return n;
}

}  // namespace

LCPROF_EXPORT int execve(const char* path, char* const argv[], char* const envp[]) {
  return Exec([&] { return Real(g_execve, "execve")(path, argv, envp); });
}

LCPROF_EXPORT int execv(const char* path, char* const argv[]) {
  return Exec([&] { return Real(g_execv, "execv")(path, argv); });
}

LCPROF_EXPORT int execvp(const char* file, char* const argv[]) {
  return Exec([&] { return Real(g_execvp, "execvp")(file, argv); });
}

LCPROF_EXPORT int execvpe(const char* file, char* const argv[], char* const envp[]) {
  return Exec([&] { return Real(g_execvpe, "execvpe")(file, argv, envp); });
}

LCPROF_EXPORT int fexecve(int fd, char* const argv[], char* const envp[]) {
  return Exec([&] { return Real(g_fexecve, "fexecve")(fd, argv, envp); });
}

LCPROF_EXPORT int execveat(int dirfd, const char* path, char* const argv[], char* const envp[],
                           int flags) {
  return Exec([&] { return Real(g_execveat, "execveat")(dirfd, path, argv, envp, flags); });
}

#define LCPROF_GATHER_ARGS(first, argv, last_out)                               \
  va_list count_ap;                                                             \
  va_start(count_ap, first);                                                    \
  size_t n = CountArgs(first, count_ap);                                        \
  va_end(count_ap);                                                             \
  char** argv = static_cast<char**>(__builtin_alloca((n + 1) * sizeof(char*))); \
  va_list ap;                                                                   \
  va_start(ap, first);                                                          \
  argv[0] = const_cast<char*>(first);                                           \
  for (size_t i = 1; i < n; ++i) argv[i] = va_arg(ap, char*);                   \
  argv[n] = nullptr;                                                            \
  if (n > 0) (void)va_arg(ap, char*); /* the terminating null */                \
  last_out;                                                                     \
  va_end(ap)

LCPROF_EXPORT int execl(const char* path, const char* arg, ...) {
  LCPROF_GATHER_ARGS(arg, argv, (void)0);
  return execv(path, argv);
}

LCPROF_EXPORT int execlp(const char* file, const char* arg, ...) {
  LCPROF_GATHER_ARGS(arg, argv, (void)0);
  return execvp(file, argv);
}

LCPROF_EXPORT int execle(const char* path, const char* arg, ...) {
  char* const* envp = nullptr;
  LCPROF_GATHER_ARGS(arg, argv, envp = va_arg(ap, char* const*));
  return execve(path, argv, envp);
}

// _exit and _Exit end the process without atexit handlers: the profile is
// written first (the hook does nothing in a vfork child or a signal handler).
LCPROF_EXPORT void _exit(int status) {
  lcprof::libcall::RunBeforeQuickExitHook();
  Real(g_exit_now, "_exit")(status);
  __builtin_unreachable();
}

LCPROF_EXPORT void _Exit(int status) {
  lcprof::libcall::RunBeforeQuickExitHook();
  Real(g_exit_now_c99, "_Exit")(status);
  __builtin_unreachable();
}
