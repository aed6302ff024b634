/* The libcall contract's public API, for programs that link lcprof:
 *  - every wrapped libc call as an explicit lcprof_<name> function, for code
 *    that is not run under LD_PRELOAD or that wants the record explicitly;
 *  - enter/leave of a libcall region with an explicit caller pc/sp/fp, for
 *    language runtimes, fiber schedulers and JIT code that own their stacks;
 *  - G handles: a fiber or coroutine registers a G with its stack, and the
 *    thread switches its current G; every sample carries labels naming its G,
 *    its thread id and its thread name (`go tool pprof -tags`).
 * All functions here are async-signal-safe except lcprof_g_register and
 * lcprof_g_unregister. See docs/libcall.md. */
#ifndef LCPROF_LIBCALL_H_
#define LCPROF_LIBCALL_H_

#include <fcntl.h>
#include <stdint.h>

#include "lcprof/libcall_calls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* lcprof_read, lcprof_write, ...: the wrapped calls, same contract as libc's. */
#define LCPROF_DECLARE_EXPLICIT(ret, name, params, args) ret lcprof_##name params;
LCPROF_FORWARDED_CALLS(LCPROF_DECLARE_EXPLICIT)
#undef LCPROF_DECLARE_EXPLICIT
int lcprof_open(const char* path, int flags, ...);
int lcprof_fcntl(int fd, int cmd, ...);
void lcprof_exit(int status) __attribute__((noreturn));
int lcprof_sigaction(int sig, const struct sigaction* act, struct sigaction* old);
int lcprof_pthread_sigmask(int how, const sigset_t* set, sigset_t* old);
int lcprof_pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*),
                          void* arg);
/* The errno location, recorded (errno itself stays libc's; not interposed). */
int* lcprof_errno_location(void);

/* Enter a region whose frames cannot be walked (code without frame pointers,
 * another stack). pc: the return address in the caller that stays walkable;
 * sp: its stack pointer at the call; fp: its frame pointer; name: what the
 * samples inside should be called (a static string, e.g. "jit_code").
 * Returns a token for lcprof_libcall_leave: nonzero when this call recorded,
 * 0 when a region was already in force (nested: the outer one stays). */
int lcprof_libcall_enter(uintptr_t pc, uintptr_t sp, uintptr_t fp, const char* name);
void lcprof_libcall_leave(int token);

/* G handles. A G is a logical thread of execution (fiber, coroutine) with its
 * own stack [stack_lo, stack_hi) (both 0 when it runs on its thread's stack).
 * lcprof_g_register returns 0 when the table (4096 Gs) is full. */
typedef uint64_t lcprof_g;
lcprof_g lcprof_g_register(const char* name, uintptr_t stack_lo, uintptr_t stack_hi);
void lcprof_g_unregister(lcprof_g g);
/* Makes g the calling thread's current G (0: the thread itself). Call it on
 * every switch, just before jumping to the G's stack. */
void lcprof_g_switch(lcprof_g g);
lcprof_g lcprof_g_current(void);

#ifdef __cplusplus
} /* extern "C" */

namespace lcprof {
/* Scoped libcall region, recorded at the point it is declared: samples taken
 * while it lives show `name`, then the function that declares it and that
 * function's callers. The function must keep a frame pointer
 * (-fno-omit-frame-pointer):  { lcprof::LibcallRegion region("jit"); RunJit(); } */
class LibcallRegion {
 public:
  __attribute__((always_inline)) explicit LibcallRegion(const char* name) {
    uintptr_t pc, sp;
    __asm__ volatile("lea 0(%%rip), %0" : "=r"(pc));
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    token_ =
        lcprof_libcall_enter(pc, sp, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)), name);
  }
  ~LibcallRegion() { lcprof_libcall_leave(token_); }
  LibcallRegion(const LibcallRegion&) = delete;
  LibcallRegion& operator=(const LibcallRegion&) = delete;

 private:
  int token_;
};
}  // namespace lcprof
#endif

#endif /* LCPROF_LIBCALL_H_ */
