// Snapshots and periodic profiles of a running session; see snapshot.h.
//
// Per-period profiles subtract counts rather than swap storages: a period's
// profile is the table's counts now minus the counts the previous period's
// profile was built from (CountsBaseline, kept here per stack entry). No
// second table, no disarm between periods, so no sample is ever dropped at
// a period boundary and a snapshot of the whole run is the same table read
// without a baseline. The cost: the table keeps every stack of the run, not
// of one period (LCPROF_STACKS bounds it as before), and the baseline map
// holds one entry per stack written. A sample counted between the reads of
// its entry's two counts (samples, then cpu_nanos) has its CPU time shown
// in the next period; the sum over all periods is exact.
#include "profiler/control/snapshot.h"

#include <time.h>
#include <unistd.h>

#include "profiler/base/platform.h"
#include "profiler/base/proc_maps.h"
#include "profiler/output/pprof_writer.h"
#include "profiler/output/symbolizer.h"
#include "profiler/output/unloaded_modules.h"

namespace lcprof {
namespace {

// The periods of one session. Guarded by the session mutex (every caller
// holds it). Made on first use (the preload constructor may start a session
// before this file's initialisers run) and leaked, so that a snapshot racing
// exit never meets a destructed global.
struct PeriodState {
  uint64_t serial = 0;  // the session these periods belong to
  int next = 1;         // the number of the period being collected
  int64_t start_wall = 0;
  int64_t start_mono = 0;
  CountsBaseline baseline;
};
PeriodState& PeriodsOf(const SessionView& session) {
  static PeriodState* const periods = new PeriodState;
  PeriodState& p = *periods;
  if (p.serial != session.serial) {
    p = PeriodState{};
    p.serial = session.serial;
    p.start_wall = session.start_nanos;
    // The session's start on the monotonic clock: its wall start moved by
    // the time elapsed since.
    p.start_mono = MonotonicNanos() - (WallTimeNanos() - session.start_nanos);
  }
  return p;
}

std::string MainExecutable() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

bool WriteProfile(const SessionView& session, const std::string& path, int64_t start_wall,
                  int64_t end_wall, const std::string& what, CountsBaseline* baseline,
                  std::string* error) {
  ProfileMeta meta;
  meta.start_time_nanos = start_wall;
  meta.duration_nanos = end_wall - start_wall;
  meta.period_nanos = session.period_nanos;
  meta.main_executable = MainExecutable();
  meta.comments.push_back("lcprof: " + what);
  Symbolizer symbolizer(ReadProcMaps());
  symbolizer.AddUnloadedModules(UnloadedModules());  // libraries dlclose'd so far
  symbolizer.set_line_reading(session.options.lines);
  auto profile = BuildProfile(session.storage.stacks, session.storage.thread_names.Names(), meta,
                              symbolizer, baseline);
  return WriteProfileFile(profile, path, error);
}

}  // namespace

int64_t MonotonicNanos() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string NumberedPath(const std::string& path, int n) {
  static constexpr char kSuffix[] = ".pb.gz";
  const size_t len = sizeof kSuffix - 1;
  const std::string number = "." + std::to_string(n);
  if (path.size() > len && path.compare(path.size() - len, len, kSuffix) == 0) {
    return path.substr(0, path.size() - len) + number + kSuffix;
  }
  return path + number;
}

bool WriteSnapshotProfile(const SessionView& session, std::string* error) {
  return WriteProfile(session, session.path, session.start_nanos, WallTimeNanos(),
                      "snapshot of a running session (every sample so far)", nullptr, error);
}

int64_t NextPeriodDue(const SessionView& session) {
  if (session.options.period_nanos == 0) return 0;
  PeriodState& p = PeriodsOf(session);
  return p.start_mono + session.options.period_nanos;
}

bool WritePeriodProfile(const SessionView& session, bool final, std::string* error) {
  if (session.options.period_nanos == 0) return true;
  PeriodState& p = PeriodsOf(session);
  const int64_t now_mono = MonotonicNanos();
  if (!final && now_mono < p.start_mono + session.options.period_nanos) return true;
  const int64_t now_wall = WallTimeNanos();
  const int n = p.next++;
  const std::string what = "period " + std::to_string(n) + " of a session writing one profile " +
                           "every " + std::to_string(session.options.period_nanos / 1000000) +
                           " ms (LCPROF_PERIOD)" + (final ? "; the last, cut short by stop" : "");
  bool ok = WriteProfile(session, NumberedPath(session.path, n), p.start_wall, now_wall, what,
                         &p.baseline, error);
  // The next period starts where this one ended, however long writing took:
  // periods tile the session without gaps or overlaps.
  p.start_wall = now_wall;
  p.start_mono = now_mono;
  return ok;
}

uint64_t SamplesSoFar(const SessionView& session) {
  uint64_t samples = 0;
  session.storage.stacks.ForEachStack(
      [&samples](const StackTable::StackView& v) { samples += v.samples; });
  return samples;
}

}  // namespace lcprof
