// The files of a recorded process tree, for `lcprof record`
// (tools/lcprof_main.cc). The command and its descendants write into a
// private directory (mode 0700, under $TMPDIR or /tmp) through LCPROF_OUT =
// "<dir>/%p.pb.gz": one file per process that wrote a profile (the command
// always, a descendant when it got samples; profiler/control/preload_init.cc).
// After the tree has ended, the files are read back, handed to
// profile_merge.h, kept beside the merged file if asked, and the directory is
// removed. Reading and writing use libprotobuf (gzip streams included).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "proto/profile.pb.h"
#include "tools/profile_merge.h"

namespace lcprof::tools {

bool ReadProfileFile(const std::string& path, perftools::profiles::Profile* profile,
                     std::string* why);

// Writes gzipped `profile` to `path` through a temporary file beside it and
// a rename, so `path` never holds half a profile.
bool WriteProfileFile(const perftools::profiles::Profile& profile, const std::string& path,
                      std::string* why);

// Whether a file can be created in `path`'s directory (tried, then removed).
bool CanCreateBeside(const std::string& path, std::string* why);

class TreeDirectory {
 public:
  TreeDirectory() = default;
  TreeDirectory(const TreeDirectory&) = delete;
  TreeDirectory& operator=(const TreeDirectory&) = delete;
  ~TreeDirectory() { Remove(); }

  // Removes the directory and what is left in it.
  void Remove();

  bool Create(std::string* why);
  // The LCPROF_OUT value for the tree's processes.
  std::string OutputPattern() const;

  // Reads every finished profile, the command's (`command_pid`) first, then
  // by pid; a process that exec'd gives one per image (its last first). Files that cannot be used
  // (a process killed while writing leaves its temporary file; a file that is not a whole pprof
  // profile) are left out, with one line each in *skipped.
  std::vector<ProcessProfile> Collect(pid_t command_pid, std::vector<std::string>* skipped);

  // Moves each profile Collect read to "<merged>.<pid>" (an earlier image's
  // to "<merged>.<pid>.exec<n>"). Returns how many
  // were kept; a failure is one line in *failed.
  int KeepBeside(const std::string& merged, std::vector<std::string>* failed);

 private:
  std::string path_;
  std::vector<std::string> collected_;  // file names in the directory
};

}  // namespace lcprof::tools
