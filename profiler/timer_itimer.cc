// The setitimer(ITIMER_PROF) engine: the kernel sends SIGPROF to the process
// (in practice to the thread that is running) each `period` of process CPU
// time. Portable; limited to the kernel tick rate (about 250 Hz here).
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "profiler/sample_timer.h"

namespace lcprof {
namespace {

class ItimerSampleTimer final : public SampleTimer {
 public:
  bool Start(int hz, std::string* error) override {
    long usec = 1000000L / hz;
    if (usec < 1) usec = 1;
    itimerval it{};
    it.it_interval.tv_sec = usec / 1000000;
    it.it_interval.tv_usec = usec % 1000000;
    it.it_value = it.it_interval;
    if (setitimer(ITIMER_PROF, &it, nullptr) != 0) {
      *error = std::string("setitimer(ITIMER_PROF) failed: ") + strerror(errno);
      return false;
    }
    period_nanos_ = static_cast<uint64_t>(usec) * 1000;
    return true;
  }

  void Stop() override {
    itimerval off{};
    setitimer(ITIMER_PROF, &off, nullptr);
  }

  uint64_t period_nanos() const override { return period_nanos_; }

 private:
  uint64_t period_nanos_ = 0;
};

}  // namespace

std::unique_ptr<SampleTimer> MakeItimerSampleTimer() {
  return std::make_unique<ItimerSampleTimer>();
}

}  // namespace lcprof
