// Sample timers: what makes SIGPROF arrive. Each engine is a small class behind
// this interface (setitimer today; per-thread and perf_event engines later).
// Downstream: the SIGPROF handler (signal_handler.h).
#pragma once

#include <memory>
#include <string>

namespace lcprof {

class SampleTimer {
 public:
  virtual ~SampleTimer() = default;
  // Starts delivering SIGPROF at about `hz` per CPU-second. Control path.
  // On failure returns false and says why in *error.
  virtual bool Start(int hz, std::string* error) = 0;
  virtual void Stop() = 0;
  // The interval actually programmed, in nanoseconds (after the engine's rounding).
  virtual uint64_t period_nanos() const = 0;
};

// setitimer(ITIMER_PROF): one process-wide timer on the process's CPU time.
std::unique_ptr<SampleTimer> MakeItimerSampleTimer();

}  // namespace lcprof
