// Environment parsing; see options.h.
#include "profiler/base/options.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

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

}  // namespace

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
  const char* out = getenv("LCPROF_OUT");
  if (out == nullptr || *out == '\0') return std::nullopt;
  Options o;
  o.output_pattern = out;
  ReadTuningFromEnvironment(&o);
  return o;
}

void ReadTuningFromEnvironment(Options* options) {
  Options& o = *options;
  if (const char* v = getenv("LCPROF_HZ"); v != nullptr && !ParseHz(v, &o.hz)) {
    LogLine("LCPROF_HZ='%s' is not a whole number from 1 to %d; sampling at %d Hz", v, kMaxHz,
            kDefaultHz);
  }
  if (const char* v = getenv("LCPROF_TIMER"); v != nullptr && !ParseTimerKind(v, &o.timer)) {
    LogLine("LCPROF_TIMER='%s' is not one of itimer, thread, perf; using %s", v,
            TimerKindName(o.timer));
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
}

}  // namespace lcprof
