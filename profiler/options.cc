// Environment parsing; see options.h.
#include "profiler/options.h"

#include <cerrno>
#include <cstdlib>

#include "profiler/log.h"

namespace lcprof {

bool ParseHz(const char* text, int* hz) {
  if (text == nullptr || *text < '0' || *text > '9') return false;  // no sign, no blanks
  char* end = nullptr;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || v < 1 || v > kMaxHz) return false;
  *hz = static_cast<int>(v);
  return true;
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
  if (const char* hz = getenv("LCPROF_HZ"); hz != nullptr && !ParseHz(hz, &o.hz)) {
    LogLine("LCPROF_HZ='%s' is not a whole number from 1 to %d; sampling at %d Hz", hz, kMaxHz,
            kDefaultHz);
    o.hz = kDefaultHz;
  }
  return o;
}

}  // namespace lcprof
