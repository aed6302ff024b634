// The libcall record's writer rules, checked on real frames and with a real
// signal handler nesting a wrapped call inside another.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <thread>

#include "libcall/record.h"
#include "libcall/scope.h"

namespace lcprof::libcall {
namespace {

RecordSnapshot g_inner_seen;
RecordSnapshot g_inner_after;
RecordSnapshot g_outer_seen;

// A wrapper as the interposers write it, around "nothing".
__attribute__((noinline)) void WrappedProbe(RecordSnapshot* seen) {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_getpid);
  *seen = Read(ThisThreadRecord());
  asm volatile("" ::: "memory");
}

uintptr_t g_caller_fp;
uintptr_t g_caller_sp_floor;

__attribute__((noinline)) void CallerOfProbe(RecordSnapshot* seen) {
  g_caller_fp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  uintptr_t here = 0;
  asm volatile("mov %%rsp, %0" : "=r"(here));
  g_caller_sp_floor = here;
  WrappedProbe(seen);
  asm volatile("" ::: "memory");
}

TEST(LibcallRecordTest, ScopePublishesTheCallersFrameAndClearsOnReturn) {
  RecordSnapshot seen;
  CallerOfProbe(&seen);
  EXPECT_NE(seen.sp, 0u);
  EXPECT_EQ(seen.fn, static_cast<uintptr_t>(LibcallId::k_getpid));
  EXPECT_EQ(seen.fp, g_caller_fp);
  // The caller's sp at the call site: at or above its own sp, below its frame.
  EXPECT_GE(seen.sp, g_caller_sp_floor);
  EXPECT_LE(seen.sp, g_caller_fp);
  auto caller = reinterpret_cast<uintptr_t>(&CallerOfProbe);
  EXPECT_GT(seen.pc, caller);
  EXPECT_LT(seen.pc, caller + 200);
  EXPECT_EQ(Read(ThisThreadRecord()).sp, 0u);
}

TEST(LibcallRecordTest, NestedEnterNeitherRecordsNorClears) {
  Record& r = ThisThreadRecord();
  ASSERT_TRUE(Enter(r, LibcallId::k_read, 0x1111, 0x7000, 0x7100));
  EXPECT_FALSE(Enter(r, LibcallId::k_write, 0x2222, 0x6000, 0x6100));
  Leave(r, false);  // the nested call's leave
  RecordSnapshot s = Read(r);
  EXPECT_EQ(s.sp, 0x7000u);
  EXPECT_EQ(s.pc, 0x1111u);
  EXPECT_EQ(s.fp, 0x7100u);
  EXPECT_EQ(s.fn, static_cast<uintptr_t>(LibcallId::k_read));
  Leave(r, true);
  EXPECT_EQ(Read(r).sp, 0u);
}

// A record whose call was left without returning (a handler's longjmp out
// of it) lies below every later caller that is not nested in it: the first
// such call takes it over instead of finding every call nested for ever.
TEST(LibcallRecordTest, CallFromAboveAStaleRecordTakesItOver) {
  Record& r = ThisThreadRecord();
  ASSERT_TRUE(Enter(r, LibcallId::k_read, 0x1111, 0x7000, 0x7100));    // never left
  EXPECT_FALSE(Enter(r, LibcallId::k_write, 0x2222, 0x6ff0, 0x6f00));  // deeper: nested
  ASSERT_TRUE(Enter(r, LibcallId::k_write, 0x3333, 0x7100, 0x7200));   // from above
  RecordSnapshot s = Read(r);
  EXPECT_EQ(s.sp, 0x7100u);
  EXPECT_EQ(s.pc, 0x3333u);
  EXPECT_EQ(s.fn, static_cast<uintptr_t>(LibcallId::k_write));
  Leave(r, true);
  EXPECT_EQ(Read(r).sp, 0u);
}

// On another G (a fiber) the stale test does not apply: its stack is not
// comparable with the recording one's.
TEST(LibcallRecordTest, CallOnAnotherGNeverTakesTheRecordOver) {
  Record& r = ThisThreadRecord();
  ASSERT_TRUE(Enter(r, LibcallId::k_read, 0x1111, 0x7000, 0x7100));
  SetCurrentG(0x42);
  EXPECT_FALSE(Enter(r, LibcallId::k_write, 0x3333, 0x9000, 0x9100));
  SetCurrentG(0);
  EXPECT_EQ(Read(r).sp, 0x7000u);
  Leave(r, true);
}

void OnUsr1(int) {
  WrappedProbe(&g_inner_seen);
  g_inner_after = Read(ThisThreadRecord());
}

__attribute__((noinline)) void OuterWrapperRaisingSignal() {
  LCPROF_LIBCALL_SCOPE(LibcallId::k_read);
  g_outer_seen = Read(ThisThreadRecord());
  pthread_kill(pthread_self(), SIGUSR1);  // delivered before pthread_kill returns
}

TEST(LibcallRecordTest, HandlerCallInsideAWrappedCallKeepsTheOuterRecord) {
  struct sigaction sa {
  }, old{};
  sa.sa_handler = OnUsr1;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);
  OuterWrapperRaisingSignal();
  sigaction(SIGUSR1, &old, nullptr);
  ASSERT_NE(g_outer_seen.sp, 0u);
  // Inside the handler's nested call the outer record is the one in force...
  EXPECT_EQ(g_inner_seen.sp, g_outer_seen.sp);
  EXPECT_EQ(g_inner_seen.pc, g_outer_seen.pc);
  EXPECT_EQ(g_inner_seen.fn, static_cast<uintptr_t>(LibcallId::k_read));
  // ...and the nested call's return did not clear it.
  EXPECT_EQ(g_inner_after.sp, g_outer_seen.sp);
  EXPECT_EQ(Read(ThisThreadRecord()).sp, 0u);
}

TEST(LibcallRecordTest, EachThreadHasItsOwnRecord) {
  Record& mine = ThisThreadRecord();
  ASSERT_TRUE(Enter(mine, LibcallId::k_read, 0x1, 0x2, 0x3));
  RecordSnapshot other_seen;
  bool other_recorded = false;
  std::thread t([&] {
    other_seen = Read(ThisThreadRecord());
    other_recorded = Enter(ThisThreadRecord(), LibcallId::k_write, 0x4, 0x5, 0x6);
    Leave(ThisThreadRecord(), other_recorded);
  });
  t.join();
  EXPECT_EQ(other_seen.sp, 0u);
  EXPECT_TRUE(other_recorded);
  EXPECT_EQ(Read(mine).pc, 0x1u);
  Leave(mine, true);
}

TEST(LibcallRecordTest, NamesEveryCall) {
  EXPECT_STREQ(LibcallName(LibcallId::k_read), "read");
  EXPECT_STREQ(LibcallName(LibcallId::k_usleep), "usleep");
  EXPECT_STREQ(LibcallName(LibcallId::kNone), "");
  EXPECT_STREQ(LibcallName(LibcallId::kCount), "");
}

}  // namespace
}  // namespace lcprof::libcall
