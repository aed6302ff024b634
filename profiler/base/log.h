// One-line messages from lcprof on stderr, each starting with "lcprof: ".
// Control path only (formats with vsnprintf).
#pragma once

namespace lcprof {

// An error: something lost or not done (no profile, a process unprofiled,
// a bad setting). Always printed.
void LogLine(const char* format, ...) __attribute__((format(printf, 1, 2)));

// A notice: something lcprof worked around on its own (a timer it fell back
// from). Not printed when LCPROF_QUIET=1, which `lcprof record` sets for the
// tree it runs: it reports once for the whole tree, from the profiles.
void LogNotice(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace lcprof
