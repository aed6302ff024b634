// Sample weights; see signal_weight.h. One mode at a time, set by the timer
// engine on the control path and read by the handler with relaxed loads
// (a signal racing a mode change is weighed by either mode, never torn).
#include "profiler/sampling/signal_weight.h"

#include <atomic>

#include "profiler/timers/prof_itimer.h"
#include "profiler/timers/thread_timers.h"
#include "profiler/unwinding/thread_stack.h"

namespace lcprof {
namespace {

enum WeightMode : int { kOff, kFixed, kPerThread };

std::atomic<int> g_mode{kOff};
std::atomic<uint64_t> g_fixed_period{0};

bool IsPollCode(int code) { return code >= POLL_IN && code <= POLL_HUP; }

}  // namespace

uint64_t WeighProfSignal(const siginfo_t* info) {
  if (info != nullptr && HandleStackProbeSignal(info)) return 0;
  const int code = info != nullptr ? info->si_code : SI_USER;
  switch (g_mode.load(std::memory_order_relaxed)) {
    case kFixed:
      return g_fixed_period.load(std::memory_order_relaxed);
    case kPerThread:
      if (code == SI_TIMER) return WeighThreadTimerSignal(info);
      if (IsPollCode(code)) return WeighPerfSignal(info);
      return WeighUncoveredThreadSignal();
    default:
      return 0;
  }
}

bool SentByLcprof(const siginfo_t* info) {
  if (info == nullptr) return false;
  const int code = info->si_code;
  // SI_KERNEL is ITIMER_PROF's, which the program may own (prof_itimer.h).
  if (code == SI_KERNEL) return !ProgramOwnsProfItimer();
  if (code == SI_TIMER) return IsLcprofTimerSignal(info);
  return IsPollCode(code) || IsStackProbeSignal(info);
}

void SetFixedSignalWeight(uint64_t period_nanos) {
  g_fixed_period.store(period_nanos, std::memory_order_relaxed);
  g_mode.store(kFixed, std::memory_order_release);
}

void SetPerThreadSignalWeight() { g_mode.store(kPerThread, std::memory_order_release); }

void ClearSignalWeight() { g_mode.store(kOff, std::memory_order_release); }

}  // namespace lcprof
