// The SIGPROF handler with real signals: stacks from the interrupted context,
// from the libcall record, the stale-record guard, unknown stack bounds, and
// errno preserved.
#include "profiler/signal_handler.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include <cerrno>
#include <thread>
#include <vector>

#include "libcall/record.h"
#include "libcall/scope.h"
#include "profiler/signal_weight.h"
#include "profiler/thread_stack.h"

namespace lcprof {
namespace {

bool Within(uintptr_t pc, void (*fn)(), uintptr_t size = 400) {
  auto start = reinterpret_cast<uintptr_t>(fn);
  return pc >= start && pc < start + size;
}

std::vector<Sample> Drain(SampleBuffer& b) {
  std::vector<Sample> out;
  Sample s;
  while (b.TryPop(&s)) out.push_back(s);
  return out;
}

class SignalHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitThisThreadStack();
    ASSERT_TRUE(InstallProfSignalHandler());
    SetFixedSignalWeight(1000000);
    ArmProfSignalHandler(&buffer_);
  }
  void TearDown() override { DisarmProfSignalHandler(); }
  SampleBuffer buffer_{1024};
};

volatile uint64_t g_sink;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

__attribute__((noinline)) void BurnLoop() {
  double end = ThreadCpuSeconds() + 0.2;
  uint64_t x = 1;
  while (ThreadCpuSeconds() < end) {
    for (int i = 0; i < 20000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  }
  g_sink = x;
}

__attribute__((noinline)) void BurnCaller() {
  BurnLoop();
  asm volatile("" ::: "memory");
}

void StartTimer(long usec) {
  itimerval it{};
  it.it_interval.tv_usec = usec;
  it.it_value.tv_usec = usec;
  setitimer(ITIMER_PROF, &it, nullptr);
}

TEST_F(SignalHandlerTest, WalksFromTheInterruptedContext) {
  StartTimer(2000);
  BurnCaller();
  StartTimer(0);
  std::vector<Sample> samples = Drain(buffer_);
  ASSERT_GE(samples.size(), 20u);
  int with_chain = 0;
  for (const Sample& s : samples) {
    EXPECT_EQ(s.cpu_nanos, 1000000u);
    EXPECT_EQ(s.marks, 0u);
    // Outside the clock_gettime call (libc/vDSO) BurnLoop's own frame is
    // walked by frame pointer, so its caller must follow it.
    if (s.depth >= 2 && Within(s.frames[0], BurnLoop) && Within(s.frames[1], BurnCaller)) {
      ++with_chain;
    }
  }
  EXPECT_GE(with_chain, static_cast<int>(samples.size()) / 4);
}

int g_errno_seen_after;

__attribute__((noinline)) void WrappedKill() {
  LCPROF_LIBCALL_SCOPE(libcall::LibcallId::k_read);
  errno = 12345;
  pthread_kill(pthread_self(), SIGPROF);
  g_errno_seen_after = errno;
}

__attribute__((noinline)) void KillCaller() {
  WrappedKill();
  asm volatile("" ::: "memory");
}

__attribute__((noinline)) void KillRoot() {
  KillCaller();
  asm volatile("" ::: "memory");
}

TEST_F(SignalHandlerTest, WalksFromTheLibcallRecordAndKeepsErrno) {
  KillRoot();
  std::vector<Sample> samples = Drain(buffer_);
  ASSERT_EQ(samples.size(), 1u);
  const Sample& s = samples[0];
  ASSERT_EQ(s.marks, 1u);
  EXPECT_EQ(s.mark[0].fn, static_cast<uintptr_t>(libcall::LibcallId::k_read));
  EXPECT_EQ(s.mark[0].index, 1u);
  ASSERT_GE(s.depth, 3u);
  // frames[0] is wherever in libc the signal landed; then exactly the caller
  // chain of the wrapper, starting with the wrapper's caller.
  EXPECT_TRUE(Within(s.frames[1], KillCaller)) << std::hex << s.frames[1];
  EXPECT_TRUE(Within(s.frames[2], KillRoot)) << std::hex << s.frames[2];
  EXPECT_EQ(g_errno_seen_after, 12345);
}

TEST_F(SignalHandlerTest, IgnoresAStaleRecordLeftBelowTheStackPointer) {
  // A record whose caller sp lies below the current sp belongs to a frame
  // that is gone (a longjmp out of a wrapped call); it must not be used.
  libcall::Record& r = libcall::ThisThreadRecord();
  uintptr_t here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  ASSERT_TRUE(libcall::Enter(r, libcall::LibcallId::k_read, 0x401000, here - 8192, here - 8000));
  pthread_kill(pthread_self(), SIGPROF);
  libcall::Leave(r, true);
  std::vector<Sample> samples = Drain(buffer_);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].marks, 0u);
  for (uint32_t i = 0; i < samples[0].depth; ++i) EXPECT_NE(samples[0].frames[i], 0x401000u);
}

TEST_F(SignalHandlerTest, ThreadWithUnknownStackGetsAPseudoFrame) {
  std::thread t([] { pthread_kill(pthread_self(), SIGPROF); });
  t.join();
  std::vector<Sample> samples = Drain(buffer_);
  ASSERT_EQ(samples.size(), 1u);
  ASSERT_EQ(samples[0].depth, 2u);
  EXPECT_EQ(samples[0].frames[1], kFrameNoStackBounds);
}

TEST_F(SignalHandlerTest, DisarmedHandlerRecordsNothing) {
  DisarmProfSignalHandler();
  pthread_kill(pthread_self(), SIGPROF);
  EXPECT_TRUE(Drain(buffer_).empty());
}

}  // namespace
}  // namespace lcprof
