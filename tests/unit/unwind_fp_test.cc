// The frame-pointer walker on real frames of this thread and on crafted,
// hostile stacks: it must follow a valid chain exactly and never read outside
// [floor, stack.hi).
#include "profiler/unwinding/unwind_fp.h"

#include <gtest/gtest.h>

#include <vector>

#include "profiler/unwinding/sample.h"

namespace lcprof {
namespace {

// A fake stack: words[] stands for a stack region; frames are built in it.
struct FakeStack {
  alignas(16) uintptr_t words[64] = {};
  uintptr_t Addr(int i) const { return reinterpret_cast<uintptr_t>(&words[i]); }
  StackBounds Bounds() const { return {Addr(0), Addr(64)}; }
};

TEST(UnwindFpTest, FollowsAChainToItsEnd) {
  FakeStack s;
  // frame at 4 -> frame at 10 -> frame at 20 -> next fp 0 (end).
  s.words[4] = s.Addr(10);
  s.words[5] = 0x401000;
  s.words[10] = s.Addr(20);
  s.words[11] = 0x402000;
  s.words[20] = 0;
  s.words[21] = 0x403000;
  uintptr_t out[8];
  FpWalkResult r = WalkFramePointers(s.Addr(4), s.Addr(2), s.Bounds(), out, 8);
  ASSERT_EQ(r.count, 3);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(out[0], 0x401000u);
  EXPECT_EQ(out[1], 0x402000u);
  EXPECT_EQ(out[2], 0x403000u);
}

TEST(UnwindFpTest, StopsAtFramePointerOutsideTheStack) {
  FakeStack s;
  s.words[4] = s.Addr(63) + 64;  // beyond hi
  s.words[5] = 0x401000;
  uintptr_t out[8];
  FpWalkResult r = WalkFramePointers(s.Addr(4), s.Addr(0), s.Bounds(), out, 8);
  EXPECT_EQ(r.count, 1);
  // A starting fp below the floor (the sp) is never read.
  r = WalkFramePointers(s.Addr(4), s.Addr(6), s.Bounds(), out, 8);
  EXPECT_EQ(r.count, 0);
  // A frame record that would straddle hi is never read.
  r = WalkFramePointers(s.Addr(63), s.Addr(0), s.Bounds(), out, 8);
  EXPECT_EQ(r.count, 0);
}

TEST(UnwindFpTest, StopsOnLoopsDownwardLinksAndMisalignment) {
  FakeStack s;
  s.words[10] = s.Addr(10);  // points at itself
  s.words[11] = 0x401000;
  uintptr_t out[8];
  EXPECT_EQ(WalkFramePointers(s.Addr(10), s.Addr(0), s.Bounds(), out, 8).count, 1);
  s.words[10] = s.Addr(4);  // points down the stack
  EXPECT_EQ(WalkFramePointers(s.Addr(10), s.Addr(0), s.Bounds(), out, 8).count, 1);
  EXPECT_EQ(WalkFramePointers(s.Addr(10) + 3, s.Addr(0), s.Bounds(), out, 8).count, 0);
  EXPECT_EQ(WalkFramePointers(s.Addr(10), s.Addr(0), StackBounds{}, out, 8).count, 0);
}

TEST(UnwindFpTest, TruncatesOnlyWhenFramesAreLeft) {
  FakeStack s;
  for (int i = 0; i < 5; ++i) {
    s.words[4 + 8 * i] = i == 4 ? 0 : s.Addr(4 + 8 * (i + 1));
    s.words[5 + 8 * i] = 0x401000 + static_cast<uintptr_t>(i);
  }
  uintptr_t out[8];
  FpWalkResult r = WalkFramePointers(s.Addr(4), s.Addr(0), s.Bounds(), out, 3);
  EXPECT_EQ(r.count, 3);
  EXPECT_TRUE(r.truncated);
  r = WalkFramePointers(s.Addr(4), s.Addr(0), s.Bounds(), out, 5);
  EXPECT_EQ(r.count, 5);
  EXPECT_FALSE(r.truncated);
}

// Real frames: this file is built with frame pointers, so a walk from
// inside Leaf() must return into Middle() and then Outer().
std::vector<uintptr_t> g_walked;

__attribute__((noinline)) void Leaf() {
  InitThisThreadStack();
  auto fp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  uintptr_t out[16];
  FpWalkResult r = WalkFramePointers(fp, fp, ThisThreadStack(), out, 16);
  g_walked.assign(out, out + r.count);
  asm volatile("" ::: "memory");
}
__attribute__((noinline)) void Middle() {
  Leaf();
  asm volatile("" ::: "memory");
}
__attribute__((noinline)) void Outer() {
  Middle();
  asm volatile("" ::: "memory");
}

bool InFunction(uintptr_t ret, void (*fn)()) {
  auto start = reinterpret_cast<uintptr_t>(fn);
  return ret > start && ret < start + 256;
}

TEST(UnwindFpTest, WalksRealFramesOfThisThread) {
  Outer();
  ASSERT_GE(g_walked.size(), 2u);
  EXPECT_TRUE(InFunction(g_walked[0], Middle));
  EXPECT_TRUE(InFunction(g_walked[1], Outer));
}

}  // namespace
}  // namespace lcprof
