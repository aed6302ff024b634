// What a profiling session is asked to do, and how lcprof reads that from the
// environment (LD_PRELOAD mode) or from the C API. Control path only.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace lcprof {

inline constexpr int kDefaultHz = 100;
inline constexpr int kMaxHz = 10000;

struct Options {
  std::string output_pattern;  // as given; "%p" becomes the pid
  int hz = kDefaultHz;
};

// Reads LCPROF_OUT and LCPROF_HZ. nullopt when LCPROF_OUT is unset or empty
// (profiling not requested). A bad value is reported in one line on stderr and
// replaced by its default; it never stops the program.
std::optional<Options> OptionsFromEnvironment();

// Parses a sampling rate: a whole number in [1, kMaxHz]. Returns false otherwise.
bool ParseHz(const char* text, int* hz);

// Expands "%p" to `pid` and "%%" to "%" in an output pattern.
std::string ExpandOutputPattern(const std::string& pattern, pid_t pid);

}  // namespace lcprof
