// How much CPU time one SIGPROF stands for, and whether it is counted at all.
// The timer engines (sample_timer.h) configure it; the SIGPROF handler asks
// it first thing. Upstream: the timer; downstream: signal_handler.cc.
#pragma once

#include <signal.h>

#include <cstdint>

namespace lcprof {

// The CPU nanoseconds the signal `info` on the calling thread stands for, or
// 0 when it must not be recorded (a signal that is not ours, or one another
// timer already covers). Signal-safe.
uint64_t WeighProfSignal(const siginfo_t* info);

// Every signal stands for `period_nanos` (the process-wide itimer). Control path.
void SetFixedSignalWeight(uint64_t period_nanos);

}  // namespace lcprof
