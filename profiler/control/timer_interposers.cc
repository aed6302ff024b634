// The libc entry points lcprof interposes to keep what its timers own out of
// the program's reach, exported by liblcprof.so (part of the control object
// library: --exclude-libs hides every symbol of the static stage libraries).
// Each only hands over to the guard that owns the concept: ITIMER_PROF
// (prof_itimer.h). None is a libcall of the contract: they never block, so
// they publish no record.
#include <sys/time.h>

#include "profiler/timers/prof_itimer.h"

#define LCPROF_INTERPOSER extern "C" __attribute__((visibility("default")))

LCPROF_INTERPOSER int getitimer(int which, struct itimerval* value) {
  return lcprof::ProgramGetitimer(which, value);
}
