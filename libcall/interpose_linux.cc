// LD_PRELOAD interposers (Linux): these definitions come before libc's in
// symbol lookup, publish the caller in the libcall record (scope.h) and
// forward to the next definition (next_symbols.h). Each is transparent: same
// arguments, return value, errno, blocking and signal behaviour as the call.
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <new>

#include "libcall/next_symbols.h"
#include "libcall/scope.h"
#include "libcall/thread_hooks.h"

using lcprof::libcall::LibcallId;
using lcprof::libcall::Next;

#define LCPROF_EXPORT extern "C" __attribute__((visibility("default")))

LCPROF_EXPORT ssize_t read(int fd, void* buf, size_t count) {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_read);
  return Next().read(fd, buf, count);
}

LCPROF_EXPORT ssize_t write(int fd, const void* buf, size_t count) {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_write);
  return Next().write(fd, buf, count);
}

LCPROF_EXPORT pid_t getpid() {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_getpid);
  return Next().getpid();
}

LCPROF_EXPORT int usleep(useconds_t usec) {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_usleep);
  return Next().usleep(usec);
}

namespace {

// What the new thread needs to run the caller's start routine; owned by the
// trampoline once pthread_create succeeded, by the wrapper otherwise.
struct ThreadStart {
  void* (*routine)(void*);
  void* arg;
};

// Runs the exit hook however the thread ends: return from the start routine,
// pthread_exit or cancellation (both unwind through this frame).
struct ExitHookGuard {
  ~ExitHookGuard() { lcprof::libcall::RunThreadExitHook(); }
};

}  // namespace

// Every thread created through the wrapper starts here; named plainly since
// it shows in profiles between start_thread and the program's start routine.
extern "C" void* lcprof_thread_start(void* p) {
  ThreadStart start = *static_cast<ThreadStart*>(p);
  delete static_cast<ThreadStart*>(p);
  lcprof::libcall::RunThreadStartHook();
  ExitHookGuard guard;
  return start.routine(start.arg);
}

LCPROF_EXPORT int pthread_create(pthread_t* thread, const pthread_attr_t* attr,
                                 void* (*routine)(void*), void* arg) {
  auto* start = new (std::nothrow) ThreadStart{routine, arg};
  if (start == nullptr) return EAGAIN;
  int rc = Next().pthread_create(thread, attr, lcprof_thread_start, start);
  if (rc != 0) delete start;
  return rc;
}
