// Unit tests of the per-thread timer registry against the kernel
// (thread_timers.h): which slot a perf signal is weighed against.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "profiler/base/options.h"
#include "profiler/timers/thread_timers.h"

namespace lcprof {
namespace {

// Every perf_event descriptor of this process.
std::vector<int> PerfDescriptors() {
  std::vector<int> fds;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(e.path(), ec).string();
    if (!ec && target.find("perf_event") != std::string::npos) {
      fds.push_back(std::stoi(e.path().filename().string()));
    }
  }
  return fds;
}

void BurnFor(std::chrono::milliseconds how_long) {
  const auto until = std::chrono::steady_clock::now() + how_long;
  volatile double x = 0;
  while (std::chrono::steady_clock::now() < until) x = x + 1.0;
}

// Review finding (g): a perf signal was matched to a slot by si_fd alone,
// so a signal naming another thread's counter (a number reused, or a stale
// signal) weighed that thread's counter, read from the wrong thread. A
// counter signals its own thread only: a thread with no slot of its own
// weighs nothing, whatever si_fd says.
TEST(ThreadTimerRegistryTest, PerfSignalNeverWeighsAnotherThreadsCounter) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old {};
  sigaction(SIGPROF, &ignore, &old);  // the counters' signals: no handler here
  std::atomic<bool> stop{false};
  std::thread burner([&stop] {
    volatile double x = 0;
    while (!stop.load()) x = x + 1.0;
  });
  TimerKind kind = TimerKind::kPerf;
  std::string error;
  ASSERT_TRUE(StartThreadTimers(&kind, 1000000, &error)) << error;
  if (kind != TimerKind::kPerf) {
    StopThreadTimers();
    stop = true;
    burner.join();
    GTEST_SKIP() << "perf_event refused here";
  }
  BurnFor(std::chrono::milliseconds(50));  // both counters pass several 1 ms periods
  const std::vector<int> fds = PerfDescriptors();
  ASSERT_GE(fds.size(), 2u);
  uint64_t weighed = 0;
  std::thread outsider([&fds, &weighed] {  // started around the hooks: no slot
    for (int fd : fds) {
      siginfo_t si;
      memset(&si, 0, sizeof si);
      si.si_signo = SIGPROF;
      si.si_code = POLL_IN;
      si.si_fd = fd;
      weighed += WeighPerfSignal(&si);
    }
  });
  outsider.join();
  stop = true;
  burner.join();
  StopThreadTimers();
  sigaction(SIGPROF, &old, nullptr);
  EXPECT_EQ(weighed, 0u);
}

}  // namespace
}  // namespace lcprof
