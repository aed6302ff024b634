// Everything the SIGPROF handler writes during one session: the stack table
// (stack_table.h) and the names of the threads it sampled (thread_names.h),
// both reserved before sampling starts so the handler never allocates. The
// session owns it; the handler reaches it only between
// ArmProfSignalHandler and the return of DisarmProfSignalHandler
// (signal_handler.h); the pprof writer reads it after that.
#pragma once

#include <cstddef>

#include "profiler/sampling/stack_table.h"
#include "profiler/sampling/thread_names.h"

namespace lcprof {

// Threads whose names are kept at most. A name is only worth keeping for a
// thread with a stack in the table, so a table of fewer stacks keeps fewer.
inline constexpr size_t kMaxNamedThreads = 32768;

struct SampleStorage {
  // Control path.
  explicit SampleStorage(size_t max_stacks)
      : stacks(max_stacks),
        thread_names(max_stacks < kMaxNamedThreads ? max_stacks : kMaxNamedThreads) {}

  bool ok() const { return stacks.ok() && thread_names.ok(); }
  // Control path, while disarmed: forgets every sample and name (a fork
  // child's copy of its parent's storage).
  void Reset() {
    stacks.Reset();
    thread_names.Reset();
  }
  size_t reserved_bytes() const { return stacks.reserved_bytes() + thread_names.reserved_bytes(); }

  StackTable stacks;
  ThreadNameTable thread_names;
};

}  // namespace lcprof
