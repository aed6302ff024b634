// Environment parsing; see options.h.
#include "profiler/base/options.h"

#include <signal.h>
#include <string.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "profiler/base/log.h"

namespace lcprof {
namespace {

bool ParseWholeNumber(const char* text, long lo, long hi, long* out) {
  if (text == nullptr || *text < '0' || *text > '9') return false;  // no sign, no blanks
  char* end = nullptr;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

// "RTMIN+n" / "RTMAX-n" (after any "SIG"), or 0.
int RealTimeSignal(const char* name) {
  long n = 0;
  if (strncmp(name, "RTMIN", 5) == 0) {
    if (name[5] == '\0') return SIGRTMIN;
    if (name[5] == '+' && ParseWholeNumber(name + 6, 0, SIGRTMAX - SIGRTMIN, &n)) {
      return SIGRTMIN + static_cast<int>(n);
    }
  } else if (strncmp(name, "RTMAX", 5) == 0) {
    if (name[5] == '\0') return SIGRTMAX;
    if (name[5] == '-' && ParseWholeNumber(name + 6, 0, SIGRTMAX - SIGRTMIN, &n)) {
      return SIGRTMAX - static_cast<int>(n);
    }
  }
  return 0;
}

bool Enabled(const char* value) {
  return value != nullptr && *value != '\0' && strcmp(value, "0") != 0;
}

}  // namespace

bool ParseSignal(const char* text, int* sig) {
  if (text == nullptr || *text == '\0') return false;
  long n = 0;
  int found = 0;
  if (*text >= '0' && *text <= '9') {
    if (!ParseWholeNumber(text, 1, SIGRTMAX, &n)) return false;
    found = static_cast<int>(n);
  } else {
    const char* name = strncmp(text, "SIG", 3) == 0 ? text + 3 : text;
    found = RealTimeSignal(name);
    for (int s = 1; found == 0 && s < SIGRTMIN; ++s) {
      const char* abbrev = sigabbrev_np(s);
      if (abbrev != nullptr && strcmp(abbrev, name) == 0) found = s;
    }
    if (found == 0) return false;
  }
  switch (found) {
    case SIGPROF:
    case SIGKILL:
    case SIGSTOP:
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP:
    case SIGSYS:
      return false;
    default:
      *sig = found;
      return true;
  }
}

bool ParsePeriod(const char* text, int64_t* nanos) {
  if (text == nullptr || *text < '0' || *text > '9') return false;
  char* end = nullptr;
  errno = 0;
  const double seconds = strtod(text, &end);
  // Written so that NaN fails too; rounding by hand keeps libm out of the library.
  if (errno != 0 || *end != '\0' || !(seconds >= 0.01 && seconds <= 86400)) return false;
  *nanos = static_cast<int64_t>(seconds * 1e9 + 0.5);
  return true;
}

bool ParseHz(const char* text, int* hz) {
  long v = 0;
  if (!ParseWholeNumber(text, 1, kMaxHz, &v)) return false;
  *hz = static_cast<int>(v);
  return true;
}

bool ParseDepth(const char* text, int* depth) {
  long v = 0;
  if (!ParseWholeNumber(text, 1, kMaxDepth, &v)) return false;
  *depth = static_cast<int>(v);
  return true;
}

bool ParseStacks(const char* text, long* stacks) {
  return ParseWholeNumber(text, 1, kMaxStacks, stacks);
}

bool ParseTimerKind(const char* text, TimerKind* out) {
  if (text == nullptr) return false;
  for (TimerKind k : {TimerKind::kItimer, TimerKind::kThread, TimerKind::kPerf}) {
    if (strcmp(text, TimerKindName(k)) == 0) {
      *out = k;
      return true;
    }
  }
  return false;
}

bool ParseUnwindMode(const char* text, UnwindMode* out) {
  if (text == nullptr) return false;
  for (UnwindMode m : {UnwindMode::kFramePointer, UnwindMode::kDwarf, UnwindMode::kHybrid}) {
    if (strcmp(text, UnwindModeName(m)) == 0) {
      *out = m;
      return true;
    }
  }
  return false;
}

bool ParseLineReading(const char* text, LineReading* out) {
  if (text == nullptr) return false;
  static constexpr std::pair<const char*, LineReading> kNames[] = {
      {"auto", LineReading::kAuto}, {"all", LineReading::kAll}, {"none", LineReading::kNone}};
  for (const auto& [name, value] : kNames) {
    if (strcmp(text, name) == 0) {
      *out = value;
      return true;
    }
  }
  return false;
}

const char* TimerKindName(TimerKind k) {
  switch (k) {
    case TimerKind::kItimer:
      return "itimer";
    case TimerKind::kThread:
      return "thread";
    case TimerKind::kPerf:
      return "perf";
  }
  return "?";
}

const char* UnwindModeName(UnwindMode m) {
  switch (m) {
    case UnwindMode::kFramePointer:
      return "fp";
    case UnwindMode::kDwarf:
      return "dwarf";
    case UnwindMode::kHybrid:
      return "hybrid";
  }
  return "?";
}

std::string ExpandOutputPattern(const std::string& pattern, pid_t pid) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size()) {
      if (pattern[i + 1] == 'p') {
        out += std::to_string(pid);
        ++i;
        continue;
      }
      if (pattern[i + 1] == '%') {
        out += '%';
        ++i;
        continue;
      }
    }
    out += pattern[i];
  }
  return out;
}

std::optional<Options> OptionsFromEnvironment() {
  Options o;
  if (const char* out = getenv("LCPROF_OUT"); out != nullptr && *out != '\0') {
    o.output_pattern = out;
  } else if (const char* gperf = getenv("CPUPROFILE"); gperf != nullptr && *gperf != '\0') {
    o.output_variable = "CPUPROFILE";
    // gperftools' unique name; "%" is doubled so the pattern expands to the name as given.
    std::string escaped;
    for (const char* c = gperf; *c != '\0'; ++c) escaped += *c == '%' ? "%%" : std::string(1, *c);
    o.output_pattern = escaped;
    if (Enabled(getenv("CPUPROFILE_USE_PID"))) o.output_pattern += "_%p";
    if (const char* v = getenv("CPUPROFILESIGNAL");
        v != nullptr && !ParseSignal(v, &o.toggle_signal)) {
      LogLine(
          "CPUPROFILESIGNAL='%s' is not a signal lcprof can use (a number or a name such as "
          "USR2); not profiling",
          v);
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  ReadTuningFromEnvironment(&o);
  return o;
}

namespace {

// The snapshot variables (docs/usage.md, "Snapshots").
void ReadSnapshotsFromEnvironment(Options* options) {
  Options& o = *options;
  if (const char* v = getenv("LCPROF_PERIOD"); v != nullptr && !ParsePeriod(v, &o.period_nanos)) {
    LogLine(
        "LCPROF_PERIOD='%s' is not a number of seconds from 0.01 to 86400; no periodic "
        "profiles",
        v);
  }
  if (const char* v = getenv("LCPROF_FLUSH_SIGNAL");
      v != nullptr && !ParseSignal(v, &o.flush_signal)) {
    LogLine(
        "LCPROF_FLUSH_SIGNAL='%s' is not a signal lcprof can use (a number or a name such as "
        "USR1); no flush on a signal",
        v);
  }
  if (const char* v = getenv("LCPROF_ON_TERM"); v != nullptr) {
    if (strcmp(v, "1") == 0) {
      o.on_term = true;
    } else if (strcmp(v, "0") != 0 && *v != '\0') {
      LogLine("LCPROF_ON_TERM='%s' is not 0 or 1; not writing on SIGTERM/SIGINT", v);
    }
  }
}

}  // namespace

void ReadTuningFromEnvironment(Options* options) {
  Options& o = *options;
  if (const char* v = getenv("LCPROF_HZ"); v != nullptr && !ParseHz(v, &o.hz)) {
    LogLine("LCPROF_HZ='%s' is not a whole number from 1 to %d; sampling at %d Hz", v, kMaxHz,
            kDefaultHz);
  } else if (const char* f = getenv("CPUPROFILE_FREQUENCY");
             v == nullptr && f != nullptr && !ParseHz(f, &o.hz)) {
    LogLine("CPUPROFILE_FREQUENCY='%s' is not a whole number from 1 to %d; sampling at %d Hz", f,
            kMaxHz, kDefaultHz);
  }
  if (const char* v = getenv("LCPROF_TIMER"); v != nullptr && !ParseTimerKind(v, &o.timer)) {
    LogLine("LCPROF_TIMER='%s' is not one of itimer, thread, perf; using %s", v,
            TimerKindName(o.timer));
  } else if (v == nullptr && getenv("CPUPROFILE_PER_THREAD_TIMERS") != nullptr) {
    o.timer = TimerKind::kThread;  // gperftools: set at all means on
  }
  if (const char* v = getenv("LCPROF_UNWIND"); v != nullptr && !ParseUnwindMode(v, &o.unwind)) {
    LogLine("LCPROF_UNWIND='%s' is not one of fp, dwarf, hybrid; using %s", v,
            UnwindModeName(o.unwind));
  }
  if (const char* v = getenv("LCPROF_DEPTH"); v != nullptr && !ParseDepth(v, &o.depth)) {
    LogLine("LCPROF_DEPTH='%s' is not a whole number from 1 to %d; using %d", v, kMaxDepth,
            kDefaultDepth);
  }
  if (const char* v = getenv("LCPROF_STACKS"); v != nullptr && !ParseStacks(v, &o.max_stacks)) {
    LogLine("LCPROF_STACKS='%s' is not a whole number from 1 to %ld; keeping up to %ld stacks", v,
            kMaxStacks, kDefaultStacks);
  }
  if (const char* v = getenv("LCPROF_LIBCALLS"); v != nullptr) o.libcalls = v;
  if (const char* v = getenv("LCPROF_LINES"); v != nullptr && !ParseLineReading(v, &o.lines)) {
    LogLine("LCPROF_LINES='%s' is not one of auto, all, none; using auto", v);
  }
  ReadSnapshotsFromEnvironment(&o);
}

}  // namespace lcprof
