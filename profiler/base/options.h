// What a profiling session is asked to do, and how lcprof reads that from the
// environment (LD_PRELOAD mode) or from the C API. Control path only.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace lcprof {

inline constexpr int kDefaultHz = 100;
inline constexpr int kMaxHz = 10000;
inline constexpr int kDefaultDepth = 128;
inline constexpr int kMaxDepth = 250;  // frames a sample's walk may produce (sample.h)
// Distinct stacks a session keeps (stack_table.h); samples beyond are counted as lost.
inline constexpr long kDefaultStacks = 100000;
inline constexpr long kMaxStacks = 10000000;

// What makes SIGPROF arrive (sample_timer.h).
enum class TimerKind { kItimer, kThread, kPerf };
// How callers are found (unwinder.h).
enum class UnwindMode { kFramePointer, kDwarf, kHybrid };

struct Options {
  std::string output_pattern;  // as given; "%p" becomes the pid
  int hz = kDefaultHz;
  TimerKind timer = TimerKind::kItimer;
  UnwindMode unwind = UnwindMode::kHybrid;
  int depth = kDefaultDepth;         // frames per sample, pseudo-frames included
  std::string libcalls = "all";      // LCPROF_LIBCALLS: "all", "none" or a comma list
  long max_stacks = kDefaultStacks;  // LCPROF_STACKS: distinct stacks kept
  // Write the file at stop even when it holds no sample. True for the
  // process the user profiled; false for its descendants (preload_init.cc),
  // which leave no file when they got no sample.
  bool write_if_empty = true;
};

// Reads LCPROF_OUT, LCPROF_HZ, LCPROF_TIMER, LCPROF_UNWIND, LCPROF_DEPTH,
// LCPROF_STACKS and LCPROF_LIBCALLS. nullopt when LCPROF_OUT is unset or
// empty (profiling not requested). A bad value is reported in one line on
// stderr and replaced by its default; it never stops the program. (LCPROF_LIBCALLS is checked where
// the calls are known, in libcall/.)
std::optional<Options> OptionsFromEnvironment();

// The same for every variable but LCPROF_OUT, into *options.
void ReadTuningFromEnvironment(Options* options);

// Parsers shared by the environment, the C API and the CLI. Each returns
// false, leaving *out untouched, on anything but a valid value.
bool ParseHz(const char* text, int* hz);                  // whole number in [1, kMaxHz]
bool ParseDepth(const char* text, int* depth);            // whole number in [1, kMaxDepth]
bool ParseStacks(const char* text, long* stacks);         // whole number in [1, kMaxStacks]
bool ParseTimerKind(const char* text, TimerKind* out);    // itimer | thread | perf
bool ParseUnwindMode(const char* text, UnwindMode* out);  // fp | dwarf | hybrid
const char* TimerKindName(TimerKind k);
const char* UnwindModeName(UnwindMode m);

// Expands "%p" to `pid` and "%%" to "%" in an output pattern.
std::string ExpandOutputPattern(const std::string& pattern, pid_t pid);

}  // namespace lcprof
