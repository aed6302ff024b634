// The small interface between lcprof's core and the operating system. Linux
// implements it in platform_linux.cc; a macOS port adds its own implementation and
// touches nothing else. Functions marked "signal-safe" run in the SIGPROF handler.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace lcprof {

struct InterruptedRegs {
  uintptr_t pc = 0;
  uintptr_t sp = 0;
  uintptr_t fp = 0;
};

// Registers of the interrupted thread from the handler's ucontext. Signal-safe.
InterruptedRegs RegsFromUcontext(const void* ucontext);

// Kernel id of the calling thread. Signal-safe.
pid_t CurrentThreadId();

// Bounds [lo, hi) of the calling thread's stack. Control path only (may read
// /proc/self/maps and allocate); false when they cannot be found.
bool QueryThisThreadStack(uintptr_t* lo, uintptr_t* hi);

// Wall-clock time in nanoseconds since the Unix epoch. Signal-safe.
int64_t WallTimeNanos();

}  // namespace lcprof
