// file:line for the profiles of `lcprof record`, read after the run by the
// CLI rather than by every profiled process: the tree's processes run with
// LCPROF_LINES=none, so none of them loads libdw or inflates debug info at
// exit, and each module's tables are read once for the whole tree. Uses the
// same reader as the library (profiler/output/line_tables.h).
#pragma once

#include <string>

#include "proto/profile.pb.h"

namespace lcprof::tools {

// Gives file:line (and inlined functions) to the locations of every mapping
// that has function names but no line numbers, where the mapping's file is
// still there, is the build its build ID names, and has line tables of its
// own or in a debug file under `debug_root`. Returns how many mappings
// gained lines.
int AddSourceLines(perftools::profiles::Profile* profile,
                   const std::string& debug_root = "/usr/lib/debug");

}  // namespace lcprof::tools
