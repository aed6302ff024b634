// Merging the profiles of a process tree into one, for `lcprof record`
// (tools/lcprof_main.cc; the files come from tools/tree_profiles.h). Each
// process's samples keep their stacks and labels and gain two labels: `pid`
// (numeric) and `program` (the basename of the process's executable, its
// profile's first mapping), so pprof's -tags, -tagfocus and -tagignore
// select processes. Strings, mappings, functions and locations are unified:
// equal ones from different processes become one. Uses libprotobuf; it runs
// in the CLI, never in a profiled process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "proto/profile.pb.h"

namespace lcprof::tools {

// What a profile's samples add up to. `lost` are the samples of the stack
// table's "[lost: ...]" pseudo-sample; `samples` all others, which stand for
// `cpu_nanos` of CPU time (the "cpu" value; 0 without one).
struct SampleCounts {
  long long samples = 0;
  long long lost = 0;
  long long cpu_nanos = 0;
};
SampleCounts CountSamples(const perftools::profiles::Profile& profile);

// The executable a profile was taken of: its first mapping's file (the
// pprof writer puts the program first), or "" when it has none.
std::string ProgramPath(const perftools::profiles::Profile& profile);

// Whether every index and id in `profile` refers to something that exists,
// so that merging it cannot read out of range; *why says what does not.
bool ProfileIsConsistent(const perftools::profiles::Profile& profile, std::string* why);

struct ProcessProfile {
  pid_t pid = 0;
  bool command = false;                  // the tree's root: the command lcprof ran
  perftools::profiles::Profile profile;  // consistent (ProfileIsConsistent)
};

// Builds `*out` from `processes`, the command's (the tree's root) first
// when it wrote one.
// The first profile's sample types, period and default sample type are the
// merged profile's; a profile whose sample types differ is left out, named
// in *skipped (one line each, "lcprof: " prefixed). time_nanos is the
// earliest start, duration_nanos reaches to the latest end; drop_frames and
// keep_frames are the union (`|`) of the distinct ones given. Comments: one
// for the tree, one per process (pid, program, samples, lost), then the
// root's own comments, prefixed with its pid. Returns how many processes
// (distinct pids: a process that exec'd gives one profile per image) were
// merged.
int MergeProfiles(const std::vector<ProcessProfile>& processes, perftools::profiles::Profile* out,
                  std::vector<std::string>* skipped);

}  // namespace lcprof::tools
