// The collector thread; see collector.h.
#include "profiler/collector.h"

#include <time.h>

#include <system_error>

namespace lcprof {
namespace {
// How often the buffer is drained. At 4 kHz on 8 busy threads this is about
// 320 samples per drain, well inside the ring's capacity.
constexpr long kDrainIntervalNanos = 10 * 1000 * 1000;
}  // namespace

bool Collector::Start() {
  stop_.store(false);
  try {
    thread_ = std::thread([this] { Run(); });
  } catch (const std::system_error&) {
    return false;
  }
  return true;
}

void Collector::Stop() {
  if (thread_.joinable()) {
    stop_.store(true);
    thread_.join();
  }
  DrainNow();
}

void Collector::DrainNow() {
  Sample s;
  while (buffer_.TryPop(&s)) table_.Add(s);
}

void Collector::Run() {
  timespec interval{0, kDrainIntervalNanos};
  while (!stop_.load(std::memory_order_relaxed)) {
    DrainNow();
    nanosleep(&interval, nullptr);
  }
}

}  // namespace lcprof
