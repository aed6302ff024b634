// Holding off thread cancellation while lcprof's control path runs on a
// program thread (lcprof_stop, ProfilerStop, the exit-time write, a log
// line): their write, open and close are cancellation points, and a
// cancellation acted on there would unwind lcprof's own frames, whose C++
// cleanups belong to lcprof's private libstdc++ and LLVM libunwind, not to
// the libgcc unwinder glibc's cancellation uses (CMakeLists.txt,
// lcprof_program_stack_sources). Held, a pending cancellation waits for the
// program's next cancellation point, as POSIX allows for deferred
// cancellation. POSIX, so not a platform file.
#pragma once

#include <pthread.h>

namespace lcprof {

class CancellationHeld {
 public:
  CancellationHeld() { pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &previous_); }
  ~CancellationHeld() { pthread_setcancelstate(previous_, nullptr); }
  CancellationHeld(const CancellationHeld&) = delete;
  CancellationHeld& operator=(const CancellationHeld&) = delete;

 private:
  int previous_ = PTHREAD_CANCEL_ENABLE;
};

}  // namespace lcprof
