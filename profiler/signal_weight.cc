// Sample weights; see signal_weight.h.
#include "profiler/signal_weight.h"

#include <atomic>

namespace lcprof {
namespace {
std::atomic<uint64_t> g_fixed_period{0};
}  // namespace

uint64_t WeighProfSignal(const siginfo_t* /*info*/) {
  return g_fixed_period.load(std::memory_order_relaxed);
}

void SetFixedSignalWeight(uint64_t period_nanos) {
  g_fixed_period.store(period_nanos, std::memory_order_relaxed);
}

}  // namespace lcprof
