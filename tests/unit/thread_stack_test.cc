// The stack handshake for threads no hook ran on (profiler/unwinding/
// thread_stack.h) gives bounds no wider than the thread's own stack: the
// mapping holding its sp may also hold unrelated memory (adjacent anonymous
// mappings merge in /proc/self/maps), or be a fiber's stack.
#include "profiler/unwinding/thread_stack.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>

#include "profiler/base/proc_maps.h"

namespace lcprof {
namespace {

constexpr size_t kStack = 1 << 20;
constexpr size_t kNeighbour = 1 << 20;

void ProbeHandler(int, siginfo_t* info, void*) { HandleStackProbeSignal(info); }

class ThreadStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    struct sigaction act {};
    act.sa_sigaction = ProbeHandler;
    act.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&act.sa_mask);
    ASSERT_EQ(sigaction(SIGPROF, &act, &old_), 0);
  }
  void TearDown() override { sigaction(SIGPROF, &old_, nullptr); }
  struct sigaction old_ {};
};

struct Probed {
  std::atomic<bool> ready{false}, done{false};
  StackBounds bounds;
  uintptr_t sp = 0;
};

void* WaitForProbe(void* arg) {
  auto* p = static_cast<Probed*>(arg);
  p->sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  p->ready = true;
  while (!p->done) usleep(1000);
  p->bounds = ThisThreadStack();
  return nullptr;
}

// A thread stack given with pthread_attr_setstack inside one mapping that
// goes on above it: the bounds end at the thread's descriptor, not at the
// mapping's end (which, earlier, they did).
TEST_F(ThreadStackTest, BoundsOfAThreadStackStopBelowMemoryMergedAboveIt) {
  void* block = mmap(nullptr, kStack + kNeighbour, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(block, MAP_FAILED);
  const auto lo = reinterpret_cast<uintptr_t>(block);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  ASSERT_EQ(pthread_attr_setstack(&attr, block, kStack), 0);
  Probed p;
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, &attr, WaitForProbe, &p), 0);
  pthread_attr_destroy(&attr);
  while (!p.ready) usleep(1000);
  EXPECT_EQ(LearnOtherThreadStacks(2000), 1);
  p.done = true;
  pthread_join(t, nullptr);
  EXPECT_TRUE(p.bounds.Contains(p.sp));
  EXPECT_GE(p.bounds.lo, lo);
  EXPECT_LE(p.bounds.hi, lo + kStack);
  munmap(block, kStack + kNeighbour);
}

// A thread that is on a fiber's stack when asked gets no bounds: those of
// the fiber's mapping would outlive the fiber.
Probed g_fiber_probe;
ucontext_t g_thread_ctx, g_fiber_ctx;

void FiberBody() {
  g_fiber_probe.sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  g_fiber_probe.ready = true;
  while (!g_fiber_probe.done) usleep(1000);
  swapcontext(&g_fiber_ctx, &g_thread_ctx);
}

void* RunFiber(void* stack) {
  getcontext(&g_fiber_ctx);
  g_fiber_ctx.uc_stack.ss_sp = stack;
  g_fiber_ctx.uc_stack.ss_size = kStack;
  g_fiber_ctx.uc_link = &g_thread_ctx;
  makecontext(&g_fiber_ctx, FiberBody, 0);
  swapcontext(&g_thread_ctx, &g_fiber_ctx);
  g_fiber_probe.bounds = ThisThreadStack();
  return nullptr;
}

TEST_F(ThreadStackTest, ThreadProbedOnAFiberStackGetsNoBounds) {
  void* stack = mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(stack, MAP_FAILED);
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, nullptr, RunFiber, stack), 0);
  while (!g_fiber_probe.ready) usleep(1000);
  EXPECT_EQ(LearnOtherThreadStacks(2000), 0);
  g_fiber_probe.done = true;
  pthread_join(t, nullptr);
  EXPECT_EQ(g_fiber_probe.bounds.hi, 0u);
  munmap(stack, kStack);
}

TEST(ProbedStackBoundsTest, Rules) {
  MemoryMapping m;
  m.start = 0x10000;
  m.end = 0x90000;
  m.readable = m.writable = true;
  StackBounds b;
  // The descriptor on top of the stack: up to it.
  ASSERT_TRUE(ProbedStackBounds(m, 0x20000, 0x50000, &b));
  EXPECT_EQ(b.lo, 0x10000u);
  EXPECT_EQ(b.hi, 0x50000u);
  // No descriptor in the mapping (or below sp): nothing.
  EXPECT_FALSE(ProbedStackBounds(m, 0x20000, 0xa0000, &b));
  EXPECT_FALSE(ProbedStackBounds(m, 0x60000, 0x50000, &b));
  // The main thread's [stack]: all of it.
  m.path = "[stack]";
  ASSERT_TRUE(ProbedStackBounds(m, 0x20000, 0xa0000, &b));
  EXPECT_EQ(b.hi, 0x90000u);
  // Not writable: never a stack.
  m.writable = false;
  EXPECT_FALSE(ProbedStackBounds(m, 0x20000, 0xa0000, &b));
}

}  // namespace
}  // namespace lcprof
