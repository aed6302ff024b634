// Profiles written while a session runs, without stopping it: a snapshot of
// everything so far (LCPROF_FLUSH_SIGNAL, ProfilerFlush) and one profile per
// period (LCPROF_PERIOD). Both read the armed stack table while handlers
// insert, which its protocol allows (stack_table.h: published entries are
// whole, counts only grow). Called under the session mutex with the running
// session (session.h, WithRunningSession; StopLocked for the last period).
// Control path; the callers are control_thread.cc, gperftools_api.cc and
// session.cc.
#pragma once

#include <cstdint>
#include <string>

#include "profiler/control/session.h"

namespace lcprof {

// Writes every sample so far to the session's own file (replacing it
// atomically, as stop does; stop later writes the whole run there).
bool WriteSnapshotProfile(const SessionView& session, std::string* error);

// Periodic profiles. Period n (n = 1, 2, ...) is written to
// NumberedPath(path, n) and holds only the samples counted since period
// n - 1 was written, with its own time_nanos and duration_nanos. Writes the
// due period when its end has passed, or with `final` (the session is
// stopping) whatever the last, partial period holds. True when nothing
// failed.
bool WritePeriodProfile(const SessionView& session, bool final, std::string* error);

// When (CLOCK_MONOTONIC nanoseconds) the session's next period ends; 0 when
// the session writes no periodic profiles.
int64_t NextPeriodDue(const SessionView& session);

// Samples in the table so far (lost ones apart).
uint64_t SamplesSoFar(const SessionView& session);

// "out.pb.gz" -> "out.3.pb.gz"; a path not ending in ".pb.gz" gets ".3" appended.
std::string NumberedPath(const std::string& path, int n);

// CLOCK_MONOTONIC now, in nanoseconds.
int64_t MonotonicNanos();

}  // namespace lcprof
