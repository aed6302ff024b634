// The wrapped calls (Linux), each in two forms built from one definition:
//  - the LD_PRELOAD interposer, named like the libc call, which comes before
//    libc's definition in symbol lookup;
//  - the explicit API function lcprof_<name> (lcprof/libcall.h).
// Each opens a libcall scope (scope.h) that publishes its caller, then
// forwards to the next definition (next_symbols.h). Transparent: same
// arguments, return value, errno, blocking and signal behaviour as the call.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <new>

#include "lcprof/libcall.h"
#include "libcall/entry_stubs.h"
#include "libcall/forwarder.h"
#include "libcall/g_table.h"
#include "libcall/next_symbols.h"
#include "libcall/scope.h"
#include "libcall/signal_guard.h"
#include "libcall/signal_mask.h"
#include "libcall/thread_hooks.h"

using lcprof::libcall::LibcallId;
using lcprof::libcall::Next;

#define LCPROF_EXPORT extern "C" __attribute__((visibility("default")))

// The forwarders: an entry stub per exported name (entry_stubs.h), the
// whole common path in assembly, and one cold body (forwarder.h) shared by
// the interposer and the API function, which the stubs jump to for
// everything else. The stubs are emitted from inside EmitEntryStubs (never
// called; see LCPROF_ENTRY_STUB_ASM).
#define LCPROF_DEFINE_FORWARDER_BODY(ret, name, params, args)                      \
  extern "C" __attribute__((visibility("hidden"))) ret lcprof_body_##name params { \
    LCPROF_COLD_BODY(LibcallId::k_##name, name, args)                              \
  }
LCPROF_FORWARDED_CALLS(LCPROF_DEFINE_FORWARDER_BODY)
#undef LCPROF_DEFINE_FORWARDER_BODY

// The redirected forwarders record as their plain call and forward to their
// own real function.
#define LCPROF_DEFINE_REDIRECTED_BODY(ret, symbol, field, plain, params, args)      \
  extern "C" __attribute__((visibility("hidden"))) ret lcprof_body_##field params { \
    LCPROF_COLD_BODY(LibcallId::k_##plain, field, args)                             \
  }
LCPROF_REDIRECTED_FORWARDERS(LCPROF_DEFINE_REDIRECTED_BODY)
#undef LCPROF_DEFINE_REDIRECTED_BODY

namespace {

[[gnu::used]] void EmitEntryStubs() {
  using lcprof::libcall::BypassIndex;
#define LCPROF_EMIT_STUBS(ret, name, params, args)                                         \
  LCPROF_ENTRY_STUB_ASM(name, BypassIndex(LibcallId::k_##name), name, LibcallId::k_##name, \
                        lcprof_body_##name);                                               \
  LCPROF_ENTRY_STUB_ASM(lcprof_##name, BypassIndex(LibcallId::k_##name), name,             \
                        LibcallId::k_##name, lcprof_body_##name);
  LCPROF_FORWARDED_CALLS(LCPROF_EMIT_STUBS)
#undef LCPROF_EMIT_STUBS
#define LCPROF_EMIT_REDIRECTED_STUB(ret, symbol, field, plain, params, args)                  \
  LCPROF_ENTRY_STUB_ASM(symbol, BypassIndex(lcprof::libcall::RedirectedForwarder::k_##field), \
                        field, LibcallId::k_##plain, lcprof_body_##field);
  LCPROF_REDIRECTED_FORWARDERS(LCPROF_EMIT_REDIRECTED_STUB)
#undef LCPROF_EMIT_REDIRECTED_STUB
}

}  // namespace

namespace {

// open's third argument exists only with O_CREAT or O_TMPFILE; reading it
// otherwise is harmless on x86-64 (a register), and passing it on is what
// libc's own variadic definition expects.
mode_t OpenMode(int flags, va_list ap) {
  return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE
             ? static_cast<mode_t>(va_arg(ap, unsigned int))
             : 0;
}

}  // namespace

// Defines a hand-written wrapper twice, as the interposer `name` and as the
// API function lcprof_<name>, with one body (each its own function, so the
// scope inside records that function's caller).
#define LCPROF_DEFINE_TWICE(ret, name, params, ...) \
  LCPROF_EXPORT ret name params __VA_ARGS__ LCPROF_EXPORT ret lcprof_##name params __VA_ARGS__

LCPROF_DEFINE_TWICE(int, open, (const char* path, int flags, ...), {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_open);
  va_list ap;
  va_start(ap, flags);
  mode_t mode = OpenMode(flags, ap);
  va_end(ap);
  return Next().open(path, flags, mode);
})

// The large-file and fortified forms of open (redirected_calls.h). open64
// is variadic like open; __open_2 and __open64_2 are what fortified code
// calls when no mode is passed, and check (in libc) that none was needed.
LCPROF_EXPORT int open64(const char* path, int flags, ...) {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_open);
  va_list ap;
  va_start(ap, flags);
  mode_t mode = OpenMode(flags, ap);
  va_end(ap);
  return Next().open64(path, flags, mode);
}

LCPROF_EXPORT int __open_2(const char* path, int flags) {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_open);
  return Next().open_2(path, flags);
}

LCPROF_EXPORT int __open64_2(const char* path, int flags) {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_open);
  return Next().open64_2(path, flags);
}

// fcntl's optional argument is an int or a pointer depending on cmd; both
// travel in one 64-bit register on x86-64, so passing a long on is exact.
LCPROF_DEFINE_TWICE(int, fcntl, (int fd, int cmd, ...), {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_fcntl);
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return Next().fcntl(fd, cmd, arg);
})

// What fcntl is under -D_FILE_OFFSET_BITS=64 (struct flock is then the
// 64-bit one, which on x86-64 it always is).
LCPROF_EXPORT int fcntl64(int fd, int cmd, ...) {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_fcntl);
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return Next().fcntl64(fd, cmd, arg);
}

// exit never returns: its record stays in force while atexit handlers and
// static destructors run inside it, so their samples splice onto exit's caller.
LCPROF_DEFINE_TWICE(void, exit, (int status), {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_exit);
  Next().exit(status);
  __builtin_unreachable();
})

LCPROF_DEFINE_TWICE(int, sigaction, (int sig, const struct sigaction* act, struct sigaction* old), {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_sigaction);
  return lcprof::libcall::GuardedSigaction(sig, act, old);
})

// signal() installs through sigaction in libc without passing the wrapper;
// route it through the guard too, with glibc's BSD semantics (restart, the
// signal blocked in its own handler).
LCPROF_EXPORT sighandler_t signal(int sig, sighandler_t handler) {
  struct sigaction act {
  }, old{};
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  if (sig > 0 && sig < NSIG) sigaddset(&act.sa_mask, sig);
  act.sa_flags = SA_RESTART;
  if (lcprof::libcall::GuardedSigaction(sig, &act, &old) != 0) return SIG_ERR;
  return old.sa_handler;
}

// errno is read through __errno_location by every errno access in the
// program; interposing it would tax all of them (docs/libcall.md), so it is
// wrapped only for callers that ask.
LCPROF_EXPORT int* lcprof_errno_location(void) {
  LCPROF_LIBCALL_SCOPE(LibcallId::k___errno_location);
  return Next().errno_location();
}

namespace {

// What the new thread needs to run the caller's start routine; owned by the
// trampoline once pthread_create succeeded, by the wrapper otherwise.
struct ThreadStart {
  void* (*routine)(void*);
  void* arg;
  uint64_t program_blocked;  // the creator's view of its mask (signal_mask.h)
};

// Runs the exit hook however the thread ends: return from the start routine,
// pthread_exit or cancellation. This file is built without exceptions
// (lcprof_program_stack_sources), so pthread_cleanup_push is glibc's
// setjmp-based form, which its forced unwind runs on the way past this frame.
void ThreadExitCleanup(void*) {
  lcprof::libcall::RunThreadExitHook();
  // Retire the record: nothing may be walked from it once the thread's
  // code is gone. (Later wrapped calls during teardown record afresh.)
  lcprof::libcall::Leave(lcprof::libcall::ThisThreadRecord(), true);
}

int CreateThread(pthread_t* thread, const pthread_attr_t* attr, void* (*routine)(void*), void* arg);

}  // namespace

// Every thread created through the wrapper starts here; named plainly since
// it shows in profiles between start_thread and the program's start routine.
// The record is zero (TLS starts zeroed) before any of the thread's code runs.
extern "C" void* lcprof_thread_start(void* p) {
  ThreadStart start = *static_cast<ThreadStart*>(p);
  delete static_cast<ThreadStart*>(p);
  lcprof::libcall::AdoptThreadMask(start.program_blocked);
  lcprof::libcall::RunThreadStartHook();
  void* result;
  pthread_cleanup_push(ThreadExitCleanup, nullptr);
  result = start.routine(start.arg);
  pthread_cleanup_pop(1);
  return result;
}

namespace {
int CreateThread(pthread_t* thread, const pthread_attr_t* attr, void* (*routine)(void*),
                 void* arg) {
  auto* start = new (std::nothrow) ThreadStart{routine, arg, lcprof::libcall::ProgramBlockedBits()};
  if (start == nullptr) return EAGAIN;
  int rc = Next().pthread_create(thread, attr, lcprof_thread_start, start);
  if (rc != 0) delete start;
  return rc;
}
}  // namespace

LCPROF_DEFINE_TWICE(int, pthread_create,
                    (pthread_t * thread, const pthread_attr_t* attr, void* (*routine)(void*),
                     void* arg),
                    {
                      LCPROF_LIBCALL_SCOPE(LibcallId::k_pthread_create);
                      return CreateThread(thread, attr, routine, arg);
                    })

// Regions entered by runtimes and schedulers with an explicit caller.
LCPROF_EXPORT int lcprof_libcall_enter(uintptr_t pc, uintptr_t sp, uintptr_t fp, const char* name) {
  auto fn = reinterpret_cast<uintptr_t>(name != nullptr ? name : "[libcall region]");
  return lcprof::libcall::Enter(lcprof::libcall::ThisThreadRecord(), fn, pc, sp, fp) ? 1 : 0;
}

LCPROF_EXPORT void lcprof_libcall_leave(int token) {
  lcprof::libcall::Leave(lcprof::libcall::ThisThreadRecord(), token != 0);
}

LCPROF_EXPORT lcprof_g lcprof_g_register(const char* name, uintptr_t stack_lo, uintptr_t stack_hi) {
  return lcprof::libcall::RegisterG(name, stack_lo, stack_hi);
}

LCPROF_EXPORT void lcprof_g_unregister(lcprof_g g) { lcprof::libcall::UnregisterG(g); }

LCPROF_EXPORT void lcprof_g_switch(lcprof_g g) { lcprof::libcall::SetCurrentG(g); }

LCPROF_EXPORT lcprof_g lcprof_g_current(void) { return lcprof::libcall::CurrentG(); }
