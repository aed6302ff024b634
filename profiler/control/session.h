// A profiling session: wires timer -> signal handler -> sample storage at
// start, and sample storage -> symbolizer -> pprof writer at stop.
// The C API (c_api.cc) and the LD_PRELOAD start-up (preload_init.cc) are its
// two callers. Control path only; calls are serialised by one mutex.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "profiler/base/options.h"

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

// The pid of the process whose session is running, 0 when none. Lock-free,
// so a vfork child (which shares the parent's memory) can tell that the
// session is not its own without touching the parent's mutex.
pid_t ProfilingProcess();

}  // namespace lcprof
