// The last stage: turns the session's stack table (stack_table.h, filled by
// the SIGPROF handler, read once it is disarmed) into a pprof profile
// (pprof_model.h, the messages of proto/profile.proto), names every address
// through the Symbolizer, and writes it encoded (pprof_encode.h) and gzipped
// (gzip_writer.h) to a temporary file beside the target, then renames it, so
// no reader ever sees half a profile. Control path only.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "profiler/output/pprof_model.h"
#include "profiler/output/symbolizer.h"
#include "profiler/sampling/stack_table.h"

namespace lcprof {

struct ProfileMeta {
  int64_t start_time_nanos = 0;  // wall clock when profiling started
  int64_t duration_nanos = 0;
  int64_t period_nanos = 0;  // CPU time between two samples as programmed
  std::vector<std::string> comments;
  std::string main_executable;  // path of the main program, listed first
};

// Counts a profile leaves out: what earlier periodic profiles of the same
// session already wrote (snapshot.cc). Stacks are known by their entry in
// the table, which never moves (StackView::frames).
struct CountsBaseline {
  struct Counts {
    uint64_t samples = 0;
    uint64_t cpu_nanos = 0;
  };
  std::unordered_map<const uintptr_t*, Counts> stacks;
  Counts lost;
};

// One pprof sample per stack of `table` (its lost samples as one more,
// `[lost: stack table full]`), labelled with the thread's id and its name
// from `thread_names`, when known. With a `baseline`, only the counts above
// it, and only stacks with samples above it; *baseline then becomes the
// counts this profile was built from (the table may grow while it is read).
pprof::ProfileModel BuildProfile(const StackTable& table,
                                 const std::unordered_map<int32_t, std::string>& thread_names,
                                 const ProfileMeta& meta, Symbolizer& symbolizer,
                                 CountsBaseline* baseline = nullptr);

// Writes `profile` gzipped to `path` atomically (temp file + rename).
bool WriteProfileFile(const pprof::ProfileModel& profile, const std::string& path,
                      std::string* error);

// Checks at start that a file can be created beside `path` (the temp file the
// writer will use), so a bad path is reported before the program runs.
bool CheckOutputWritable(const std::string& path, std::string* error);

}  // namespace lcprof
