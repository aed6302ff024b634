// The SIGPROF handler with real signals: stacks from the interrupted context,
// from the libcall record, the stale-record guard, unknown stack bounds,
// errno preserved, thread names, and a disarm that waits for handlers.
#include "profiler/sampling/signal_handler.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <vector>

#include "libcall/record.h"
#include "libcall/scope.h"
#include "libcall/signal_guard.h"
#include "libcall/signal_mask.h"
#include "profiler/base/platform.h"
#include "profiler/sampling/signal_weight.h"
#include "profiler/unwinding/thread_stack.h"
#include "tests/unit/stack_table_entries.h"

namespace lcprof {
namespace {

bool Within(uintptr_t pc, void (*fn)(), uintptr_t size = 400) {
  auto start = reinterpret_cast<uintptr_t>(fn);
  return pc >= start && pc < start + size;
}

// One Sample per recorded sample (an entry of n samples appears n times,
// each with its share of the CPU).
std::vector<Sample> Recorded(const SampleStorage& storage) {
  std::vector<Sample> out;
  for (const TableEntry& e : TableEntries(storage.stacks)) {
    Sample s = e.key;
    s.cpu_nanos = e.key.cpu_nanos / e.samples;
    for (uint64_t i = 0; i < e.samples; ++i) out.push_back(s);
  }
  return out;
}

class SignalHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitThisThreadStack();
    ASSERT_TRUE(InstallProfSignalHandler());
    SetFixedSignalWeight(1000000);
    ArmProfSignalHandler(&storage_);
  }
  void TearDown() override { DisarmProfSignalHandler(); }
  SampleStorage storage_{1024};
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
  std::vector<Sample> samples = Recorded(storage_);
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
  std::vector<Sample> samples = Recorded(storage_);
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
  std::vector<Sample> samples = Recorded(storage_);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].marks, 0u);
  for (uint32_t i = 0; i < samples[0].depth; ++i) EXPECT_NE(samples[0].frames[i], 0x401000u);
}

TEST_F(SignalHandlerTest, ThreadWithUnknownStackGetsAPseudoFrame) {
  std::thread t([] { pthread_kill(pthread_self(), SIGPROF); });
  t.join();
  std::vector<Sample> samples = Recorded(storage_);
  ASSERT_EQ(samples.size(), 1u);
  ASSERT_EQ(samples[0].depth, 2u);
  EXPECT_EQ(samples[0].frames[1], kFrameNoStackBounds);
}

TEST_F(SignalHandlerTest, LearnsTheNameOfEachSampledThread) {
  pid_t tid = 0;
  std::thread t([&tid] {
    pthread_setname_np(pthread_self(), "lcprof-named");
    tid = CurrentThreadId();
    pthread_kill(pthread_self(), SIGPROF);
  });
  t.join();
  auto names = storage_.thread_names.Names();
  ASSERT_TRUE(names.count(tid));
  EXPECT_EQ(names.at(tid), "lcprof-named");
  std::vector<Sample> samples = Recorded(storage_);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].tid, tid);
}

// The program's own SIGPROF handler (sent with kill, so not a sample) runs
// under the mask its sigaction asked for, and may leave by siglongjmp: that
// forwarded signal is not counted as a recording handler, so Disarm, which
// waits for every recording handler without a time limit, still returns.
sigjmp_buf g_program_jump;
sigset_t g_mask_in_program_handler;
volatile int g_program_handler_runs;

uint64_t g_view_in_program_handler;

void ProgramSigprofHandler(int) {
  pthread_sigmask(SIG_BLOCK, nullptr, &g_mask_in_program_handler);
  g_view_in_program_handler = libcall::ProgramBlockedBits();
  g_program_handler_runs = g_program_handler_runs + 1;
  siglongjmp(g_program_jump, 1);
}

TEST_F(SignalHandlerTest, ProgramHandlerThatLongjmpsAwayGetsItsMaskAndDoesNotHoldUpDisarm) {
  struct sigaction program {
  }, old{};
  program.sa_handler = ProgramSigprofHandler;
  sigemptyset(&program.sa_mask);
  sigaddset(&program.sa_mask, SIGUSR2);
  ASSERT_EQ(libcall::GuardedSigaction(SIGPROF, &program, &old), 0);
  g_program_handler_runs = 0;
  for (int i = 0; i < 3; ++i) {
    if (sigsetjmp(g_program_jump, 1) == 0) {
      kill(getpid(), SIGPROF);
      ADD_FAILURE() << "the program's handler did not run";
    }
  }
  EXPECT_EQ(g_program_handler_runs, 3);
  // What the program asked for is blocked; the other signals lcprof's own
  // handler blocks are not. SIGPROF itself is blocked in the program's view
  // of its mask only (libcall/signal_mask.h): the kernel keeps it deliverable.
  EXPECT_EQ(sigismember(&g_mask_in_program_handler, SIGUSR2), 1);
  EXPECT_EQ(sigismember(&g_mask_in_program_handler, SIGPROF), 0);
  EXPECT_EQ(g_view_in_program_handler, uint64_t{1} << (SIGPROF - 1));
  EXPECT_EQ(sigismember(&g_mask_in_program_handler, SIGUSR1), 0);
  EXPECT_EQ(sigismember(&g_mask_in_program_handler, SIGALRM), 0);
  EXPECT_TRUE(Recorded(storage_).empty());
  DisarmProfSignalHandler();  // returns: nothing was left counted
  ASSERT_EQ(libcall::GuardedSigaction(SIGPROF, &old, nullptr), 0);
}

TEST_F(SignalHandlerTest, DisarmedHandlerRecordsNothing) {
  DisarmProfSignalHandler();
  pthread_kill(pthread_self(), SIGPROF);
  EXPECT_TRUE(Recorded(storage_).empty());
}

}  // namespace
}  // namespace lcprof
