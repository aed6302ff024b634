// Unit tests of the sample weights (signal_weight.h, thread_timer_slot.h):
// the expiry grid that per-thread timers are weighed by, and how signals
// are told apart by si_code. The engines themselves are tested end to end
// in tests/e2e/timer_totals_test.cc.
#include <gtest/gtest.h>
#include <signal.h>

#include "profiler/sampling/signal_weight.h"
#include "profiler/timers/thread_timer_slot.h"
#include "profiler/timers/thread_timer_table.h"

namespace lcprof {
namespace {

TEST(ExpiriesAtTest, CountsTheGridPhasePlusMultiplesOfThePeriod) {
  EXPECT_EQ(ExpiriesAt(0, 300, 1000), 0u);
  EXPECT_EQ(ExpiriesAt(299, 300, 1000), 0u);
  EXPECT_EQ(ExpiriesAt(300, 300, 1000), 1u);
  EXPECT_EQ(ExpiriesAt(1299, 300, 1000), 1u);
  EXPECT_EQ(ExpiriesAt(1300, 300, 1000), 2u);
  EXPECT_EQ(ExpiriesAt(1000300, 300, 1000), 1001u);
}

// With the phase uniform in [1, P], the expected weight ExpiriesAt(e) * P
// equals e for any run length e, also below one period.
TEST(ExpiriesAtTest, RandomPhaseMakesTheWeightUnbiased) {
  const uint64_t period = 1000;
  for (uint64_t elapsed : {1ull, 250ull, 999ull, 1000ull, 2500ull, 12345ull}) {
    uint64_t sum = 0;
    for (uint64_t phase = 1; phase <= period; ++phase) {
      sum += ExpiriesAt(elapsed, phase, period) * period;
    }
    EXPECT_NEAR(static_cast<double>(sum) / period, static_cast<double>(elapsed), 1.0) << elapsed;
  }
}

siginfo_t Info(int code) {
  siginfo_t si{};
  si.si_signo = SIGPROF;
  si.si_code = code;
  return si;
}

TEST(SignalWeightTest, OurSignalsAreToldApartBySiCode) {
  for (int code : {int{SI_KERNEL}, int{POLL_IN}}) {
    siginfo_t si = Info(code);
    EXPECT_TRUE(SentByLcprof(&si)) << code;
  }
  for (int code : {int{SI_USER}, int{SI_TKILL}, int{SI_QUEUE}}) {
    siginfo_t si = Info(code);
    EXPECT_FALSE(SentByLcprof(&si)) << code;
  }
}

// SI_TIMER: lcprof's per-thread timers carry its tag in si_value; a
// program's own timer_create SIGPROF timer does not, and is the program's.
TEST(SignalWeightTest, TimerSignalsAreOursOnlyWithOurTag) {
  siginfo_t ours = Info(SI_TIMER);
  ours.si_value.sival_ptr = reinterpret_cast<void*>(thread_timer_table::Cookie(5, 7));
  EXPECT_TRUE(SentByLcprof(&ours));
  siginfo_t program = Info(SI_TIMER);
  program.si_value.sival_int = 5 | (7 << 12);  // what a cookie looked like before the tag
  EXPECT_FALSE(SentByLcprof(&program));
}

TEST(SignalWeightTest, FixedAndClearedWeights) {
  siginfo_t si = Info(SI_TKILL);
  SetFixedSignalWeight(12345);
  EXPECT_EQ(WeighProfSignal(&si), 12345u);
  ClearSignalWeight();
  EXPECT_EQ(WeighProfSignal(&si), 0u);
}

}  // namespace
}  // namespace lcprof
