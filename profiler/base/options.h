// What a profiling session is asked to do, and how lcprof reads that from the
// environment (LD_PRELOAD mode) or from the C API. Control path only.
#pragma once

#include <sys/types.h>

#include <cstdint>
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
// Which modules' file:line the profiled process reads when it writes its
// profile (symbolizer.h): `auto` all but those whose debug info would first
// have to be inflated past a limit, `all`, or `none` (`lcprof record` sets
// none and reads them itself, once for the tree, after the run).
enum class LineReading { kAuto, kAll, kNone };

struct Options {
  std::string output_pattern;  // as given; "%p" becomes the pid
  int hz = kDefaultHz;
  TimerKind timer = TimerKind::kItimer;
  UnwindMode unwind = UnwindMode::kHybrid;
  int depth = kDefaultDepth;               // frames per sample, pseudo-frames included
  std::string libcalls = "all";            // LCPROF_LIBCALLS: "all", "none" or a comma list
  LineReading lines = LineReading::kAuto;  // LCPROF_LINES
  long max_stacks = kDefaultStacks;        // LCPROF_STACKS: distinct stacks kept
  // Write the file at stop even when it holds no sample. True for the
  // process the user profiled; false for its descendants (preload_init.cc),
  // which leave no file when they got no sample.
  bool write_if_empty = true;
  // Snapshots of a running session (docs/usage.md, "Snapshots"); each one
  // asked for makes lcprof run one thread of its own (control_thread.h).
  int64_t period_nanos = 0;  // LCPROF_PERIOD: one numbered profile per period; 0: none
  int flush_signal = 0;      // LCPROF_FLUSH_SIGNAL: writes the profile so far; 0: none
  bool on_term = false;      // LCPROF_ON_TERM=1: write before dying of SIGTERM/SIGINT
  // CPUPROFILESIGNAL (gperftools): no start at load; each delivery of this
  // signal starts, then stops, a session into "<file>.<n>", n = 0, 1, ...
  int toggle_signal = 0;
  // Which variable named the output (for messages): LCPROF_OUT or CPUPROFILE.
  const char* output_variable = "LCPROF_OUT";
};

// Reads LCPROF_OUT, LCPROF_HZ, LCPROF_TIMER, LCPROF_UNWIND, LCPROF_DEPTH,
// LCPROF_STACKS, LCPROF_LIBCALLS, LCPROF_LINES and the snapshot variables (LCPROF_PERIOD,
// LCPROF_FLUSH_SIGNAL, LCPROF_ON_TERM). Where an LCPROF_* variable is absent,
// its gperftools counterpart is read with gperftools' meaning: CPUPROFILE
// (the file; CPUPROFILE_USE_PID appends "_<pid>"), CPUPROFILE_FREQUENCY,
// CPUPROFILE_PER_THREAD_TIMERS (timer "thread") and CPUPROFILESIGNAL.
// nullopt when neither LCPROF_OUT nor CPUPROFILE is set and non-empty
// (profiling not requested). A bad value is reported in one line on
// stderr and replaced by its default; it never stops the program. (LCPROF_LIBCALLS is checked where
// the calls are known, in libcall/.)
std::optional<Options> OptionsFromEnvironment();

// The same for every variable but LCPROF_OUT, CPUPROFILE and CPUPROFILESIGNAL,
// into *options.
void ReadTuningFromEnvironment(Options* options);

// Parsers shared by the environment, the C API and the CLI. Each returns
// false, leaving *out untouched, on anything but a valid value.
bool ParseHz(const char* text, int* hz);                    // whole number in [1, kMaxHz]
bool ParseDepth(const char* text, int* depth);              // whole number in [1, kMaxDepth]
bool ParseStacks(const char* text, long* stacks);           // whole number in [1, kMaxStacks]
bool ParseTimerKind(const char* text, TimerKind* out);      // itimer | thread | perf
bool ParseUnwindMode(const char* text, UnwindMode* out);    // fp | dwarf | hybrid
bool ParseLineReading(const char* text, LineReading* out);  // auto | all | none
// A signal by number ("12") or name ("USR2", "SIGUSR2", "RTMIN+3"). Refused:
// signals lcprof or the kernel own (SIGPROF, SIGKILL, SIGSTOP) and the
// synchronous faults, which a program cannot send itself meaningfully.
bool ParseSignal(const char* text, int* sig);
// A period in seconds, decimals allowed, from 0.01 to 86400.
bool ParsePeriod(const char* text, int64_t* nanos);
const char* TimerKindName(TimerKind k);
const char* UnwindModeName(UnwindMode m);

// Expands "%p" to `pid` and "%%" to "%" in an output pattern.
std::string ExpandOutputPattern(const std::string& pattern, pid_t pid);

}  // namespace lcprof
