// The libc entry points lcprof interposes to keep what its timers own out of
// the program's reach, exported by liblcprof.so (part of the control object
// library: --exclude-libs hides every symbol of the static stage libraries).
// Each only hands over to the guard that owns the concept: ITIMER_PROF
// (prof_itimer.h), lcprof's descriptors (fd_guard.h; close itself goes
// through the libcall forwarder, whose next function the guard replaces). None is a libcall of the
// contract: they never block, so they publish no record.
#include <sys/time.h>

#include "profiler/timers/fd_guard.h"
#include "profiler/timers/prof_itimer.h"

#define LCPROF_INTERPOSER extern "C" __attribute__((visibility("default")))

LCPROF_INTERPOSER int getitimer(int which, struct itimerval* value) {
  return lcprof::ProgramGetitimer(which, value);
}

LCPROF_INTERPOSER int close_range(unsigned first, unsigned last, int flags) {
  return lcprof::ProgramCloseRange(first, last, flags);
}

LCPROF_INTERPOSER void closefrom(int lowfd) { lcprof::ProgramCloseFrom(lowfd); }

LCPROF_INTERPOSER int dup2(int oldfd, int newfd) {
  return lcprof::ProgramDup3(oldfd, newfd, 0, true);
}

LCPROF_INTERPOSER int dup3(int oldfd, int newfd, int flags) {
  return lcprof::ProgramDup3(oldfd, newfd, flags, false);
}
