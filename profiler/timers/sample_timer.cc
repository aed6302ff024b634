// The setitimer(ITIMER_PROF) engine: the kernel sends SIGPROF (si_code
// SI_KERNEL) to the process, in practice to the thread that is running, each
// `period` of process CPU time, checked at the kernel tick, so at most one
// signal per tick whatever the rate asked. Each signal therefore weighs the
// interrupted thread's CPU time since its previous sample (thread_timers.h,
// signal_weight.h). Also the back-stop of the per-thread engines for threads
// without a timer of their own; MakeSampleTimer builds every engine.
#include "profiler/timers/sample_timer.h"

#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "profiler/timers/thread_timers.h"

namespace lcprof {
namespace {

// Arms ITIMER_PROF at `hz`; the programmed period (whole microseconds) in *period_nanos.
bool StartProcessItimer(int hz, uint64_t* period_nanos, std::string* error) {
  long usec = 1000000L / (hz < 1 ? 1 : hz);
  if (usec < 1) usec = 1;
  itimerval it{};
  it.it_interval.tv_sec = usec / 1000000;
  it.it_interval.tv_usec = usec % 1000000;
  it.it_value = it.it_interval;
  if (setitimer(ITIMER_PROF, &it, nullptr) != 0) {
    *error = std::string("setitimer(ITIMER_PROF) failed: ") + strerror(errno);
    return false;
  }
  *period_nanos = static_cast<uint64_t>(usec) * 1000;
  return true;
}

void StopProcessItimer() {
  itimerval off{};
  setitimer(ITIMER_PROF, &off, nullptr);
}

// Every engine: the thread registry (thread_timers.h), with a timer per
// thread for kThread and kPerf, plus the process itimer, which samples the
// threads without a timer of their own (for kItimer, all of them).
class PerThreadSampleTimer final : public SampleTimer {
 public:
  explicit PerThreadSampleTimer(TimerKind kind) : kind_(kind) {}
  ~PerThreadSampleTimer() override { Stop(); }

  bool Start(int hz, std::string* error) override {
    period_nanos_ = 1000000000u / static_cast<uint64_t>(hz < 1 ? 1 : hz);
    if (!StartThreadTimers(&kind_, period_nanos_, error)) return false;
    running_ = true;
    uint64_t itimer_period = 0;
    if (!StartProcessItimer(hz, &itimer_period, error)) {
      Stop();
      return false;
    }
    return true;
  }
  void Stop() override {
    if (!running_) return;
    running_ = false;
    StopProcessItimer();
    StopThreadTimers();
  }
  uint64_t period_nanos() const override { return period_nanos_; }
  TimerKind kind() const override { return kind_; }

 private:
  TimerKind kind_;
  uint64_t period_nanos_ = 0;
  bool running_ = false;
};

}  // namespace

std::unique_ptr<SampleTimer> MakeSampleTimer(TimerKind kind) {
  return std::make_unique<PerThreadSampleTimer>(kind);
}

}  // namespace lcprof
