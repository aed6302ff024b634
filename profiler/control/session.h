// A profiling session: wires timer -> signal handler -> sample storage at
// start, and sample storage -> symbolizer -> pprof writer at stop.
// The C API (c_api.cc) and the LD_PRELOAD start-up (preload_init.cc) are its
// two callers. Control path only; calls are serialised by one mutex.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "profiler/base/options.h"
#include "profiler/sampling/sample_storage.h"

namespace lcprof {

struct StopReport {
  Options options;   // what the session ran with
  std::string path;  // the file written
  uint64_t samples = 0;
  uint64_t lost_samples = 0;
};

// Starts sampling every thread of the process. Fails (with a one-line reason
// in *error, nothing started) when a session is running or the output file
// cannot be created.
bool StartProfiling(const Options& options, std::string* error);

// Stops sampling and writes the profile (unless it holds no sample and the
// session's Options::write_if_empty is false; an empty profile's comment
// says why it is empty). Fails when no session is running or the file cannot
// be written.
bool StopProfiling(StopReport* report, std::string* error);

bool ProfilingRunning();

// What a snapshot (snapshot.h) may see of the running session. The storage is
// armed: handlers keep adding to it while it is read (stack_table.h allows).
struct SessionView {
  const Options& options;
  const std::string& path;  // the session's file, expanded
  const SampleStorage& storage;
  int64_t start_nanos;   // wall clock at start
  int64_t period_nanos;  // CPU time between samples as the timer runs
  uint64_t serial;       // tells one session from the next
};

// Runs fn on this process's running session under the session mutex, so no
// stop, start or other snapshot runs meanwhile. False when none runs.
bool WithRunningSession(const std::function<void(const SessionView&)>& fn);

// The pid of the process whose session is running, 0 when none. Lock-free,
// so a vfork child (which shares the parent's memory) can tell that the
// session is not its own without touching the parent's mutex.
pid_t ProfilingProcess();

}  // namespace lcprof
