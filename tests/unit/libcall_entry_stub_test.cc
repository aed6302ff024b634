// A wrapper's entry stub (libcall/entry_stubs.h), the whole common path of a
// forwarding wrapper: an unselected call reaches the bypass target, a
// selected one publishes its caller in records[0] for exactly the duration
// of the real call, every other case goes to the cold body, all six
// argument registers and the return value pass through untouched, and a
// sample taken at any of the stub's instructions keeps the caller in every
// unwinder.
#include <gtest/gtest.h>
#include <sys/types.h>
#include <ucontext.h>

#include <cstring>
#include <string>
#include <vector>

#include "libcall/entry_stubs.h"
#include "libcall/libcall_id.h"
#include "libcall/next_symbols.h"
#include "libcall/record.h"
#include "profiler/unwinding/unwind_fp.h"
#include "profiler/unwinding/unwinder.h"

namespace lcprof::libcall {
namespace {

// What the real function saw of the thread's record while it ran.
struct Seen {
  RecordSnapshot record;
  uintptr_t word_under_sp = 0;
  int depth = 0;
  int calls = 0;
};
Seen g_seen;

// The arguments, folded so that a lost or swapped one changes the result.
uintptr_t Fold(void* a, size_t b, int c, int d, int e, off_t f) {
  return reinterpret_cast<uintptr_t>(a) * 3 + b * 5 + static_cast<uintptr_t>(c) * 7 +
         static_cast<uintptr_t>(d) * 11 + static_cast<uintptr_t>(e) * 13 +
         static_cast<uintptr_t>(f) * 17;
}

}  // namespace
}  // namespace lcprof::libcall

// The stub is emitted for mmap's slot: six register arguments, the widest
// call a stub forwards. No interposer is linked into the unit tests, so
// mmap's bypass word and NextSymbols slot are free here.
extern "C" {
void* lcprof_test_stub(void* a, size_t b, int c, int d, int e, off_t f);  // emitted below

void* lcprof_test_stub_real(void* a, size_t b, int c, int d, int e, off_t f) {
  using namespace lcprof::libcall;
  g_seen.record = Read(t_libcall_state.records[0]);
  if (g_seen.record.sp != 0) {
    g_seen.word_under_sp = *reinterpret_cast<const uintptr_t*>(g_seen.record.sp - 8);
  }
  ++g_seen.calls;
  return reinterpret_cast<void*>(Fold(a, b, c, d, e, f) + 1);
}
void* lcprof_test_stub_bypass(void* a, size_t b, int c, int d, int e, off_t f) {
  using namespace lcprof::libcall;
  g_seen.record = Read(t_libcall_state.records[0]);
  return reinterpret_cast<void*>(Fold(a, b, c, d, e, f) + 2);
}
__attribute__((visibility("hidden"))) void* lcprof_test_stub_cold(void* a, size_t b, int c, int d,
                                                                  int e, off_t f) {
  return reinterpret_cast<void*>(lcprof::libcall::Fold(a, b, c, d, e, f) + 3);
}
__attribute__((noinline)) int lcprof_test_stub_root() {
  asm volatile("" ::: "memory");
  return 0;
}
}

namespace lcprof::libcall {
namespace {

constexpr size_t kIndex = BypassIndex(LibcallId::k_mmap);

[[gnu::used]] void EmitTestStub() {
  LCPROF_ENTRY_STUB_ASM(lcprof_test_stub, kIndex, mmap, LibcallId::k_mmap, lcprof_test_stub_cold);
}

// Puts the real function in mmap's slot, and the slot and the word back after.
class StubFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = g_next_symbols.mmap;
    g_next_symbols.mmap = &lcprof_test_stub_real;
    g_libcall_bypass[kIndex].store(0);
    g_seen = Seen{};
  }
  void TearDown() override {
    g_next_symbols.mmap = saved_;
    g_libcall_bypass[kIndex].store(0);
  }
  static inline uintptr_t caller_fp = 0;  // Call's frame pointer
  // Through a pointer the compiler cannot see through, as a PLT call.
  [[gnu::noinline]] static uintptr_t Call(void* a, size_t b, int c, int d, int e, off_t f) {
    auto stub = &lcprof_test_stub;
    asm volatile("" : "+r"(stub));
    caller_fp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    auto result = reinterpret_cast<uintptr_t>(stub(a, b, c, d, e, f));
    asm volatile("" : "+r"(result));  // no tail call: the caller is this function
    return result;
  }

 private:
  decltype(NextSymbols::mmap) saved_ = nullptr;
};

void* const kA = reinterpret_cast<void*>(0x1234567890);
constexpr size_t kB = 0xfedcba987;
constexpr off_t kF = 0x76543210fedLL;

TEST_F(StubFixture, SelectedCallPublishesItsCallerForTheCallOnly) {
  const uintptr_t got = Call(kA, kB, -3, 4, 5, kF);
  EXPECT_EQ(got, Fold(kA, kB, -3, 4, 5, kF) + 1) << "arguments or result not passed through";
  ASSERT_EQ(g_seen.calls, 1);
  const RecordSnapshot& r = g_seen.record;
  ASSERT_NE(r.sp, 0u) << "no record in force during the call";
  EXPECT_EQ(r.fn, static_cast<uintptr_t>(LibcallId::k_mmap));
  EXPECT_EQ(r.g, CurrentG());
  // The caller's sp at the call site: its return address lies right under it.
  EXPECT_EQ(g_seen.word_under_sp, r.pc);
  EXPECT_GE(r.pc, reinterpret_cast<uintptr_t>(&StubFixture::Call));
  EXPECT_LT(r.pc, reinterpret_cast<uintptr_t>(&StubFixture::Call) + 256);
  EXPECT_EQ(r.fp, caller_fp);
  EXPECT_EQ(Read(t_libcall_state.records[0]).sp, 0u) << "record left in force after the call";
}

TEST_F(StubFixture, UnselectedCallGoesToTheBypassTargetWithoutARecord) {
  g_libcall_bypass[kIndex].store(reinterpret_cast<uintptr_t>(&lcprof_test_stub_bypass));
  EXPECT_EQ(Call(kA, kB, 6, -7, 8, kF), Fold(kA, kB, 6, -7, 8, kF) + 2);
  EXPECT_EQ(g_seen.record.sp, 0u);
  EXPECT_EQ(g_seen.calls, 0);
}

TEST_F(StubFixture, EveryOtherCaseGoesToTheColdBody) {
  // A record in force (a nested call).
  SpOf(t_libcall_state.records[0]).store(0x1000);
  EXPECT_EQ(Call(kA, kB, 1, 2, 3, kF), Fold(kA, kB, 1, 2, 3, kF) + 3);
  SpOf(t_libcall_state.records[0]).store(0);
  // A program signal handler running.
  t_libcall_state.depth = 1;
  EXPECT_EQ(Call(kA, kB, 1, 2, 3, kF), Fold(kA, kB, 1, 2, 3, kF) + 3);
  t_libcall_state.depth = 0;
  // The real function not resolved yet.
  g_next_symbols.mmap = nullptr;
  EXPECT_EQ(Call(kA, kB, 1, 2, 3, kF), Fold(kA, kB, 1, 2, 3, kF) + 3);
  EXPECT_EQ(g_seen.calls, 0);
}

TEST(LibcallEntryStubTest, OnlyStubAddressesAreStubs) {
  const auto stub = reinterpret_cast<uintptr_t>(&lcprof_test_stub);
  EXPECT_TRUE(InEntryStub(stub));
  EXPECT_TRUE(InEntryStub(stub + 7));
  EXPECT_FALSE(InEntryStub(reinterpret_cast<uintptr_t>(&lcprof_test_stub_real)));
  EXPECT_FALSE(InEntryStub(reinterpret_cast<uintptr_t>(&lcprof_test_stub_root)));
  EXPECT_FALSE(InEntryStub(0));
}

// The stub's instructions (their offsets, as GAS encodes entry_stubs.h) and
// what the stack holds at each: the frame is built by the push at kPush and
// the mov after it, and dropped by the pop before the ret.
constexpr uintptr_t kOffsets[] = {0x00, 0x07, 0x0a, 0x0c, 0x0f, 0x16, 0x1f, 0x21, 0x27, 0x29,
                                  0x31, 0x33, 0x3c, 0x44, 0x48, 0x4c, 0x51, 0x56, 0x5f, 0x64,
                                  0x69, 0x6a, 0x6d, 0x73, 0x7a, 0x83, 0x84, 0x85};
constexpr uintptr_t kPush = 0x69, kMovFrame = 0x6a, kPop = 0x83, kRet = 0x84;

TEST(LibcallEntryStubTest, SampleInsideAStubKeepsTheCallerInEveryUnwinder) {
  const auto stub = reinterpret_cast<uintptr_t>(&lcprof_test_stub);
  const auto* code = reinterpret_cast<const uint8_t*>(stub);
  ASSERT_TRUE(code[kPush] == 0x55 && code[kMovFrame] == 0x48 && code[kMovFrame + 1] == 0x89 &&
              code[kMovFrame + 2] == 0xe5 && code[kPop] == 0x5d && code[kRet] == 0xc3 &&
              code[0x0c] == 0x41 && code[0x85] == 0xe9)
      << "stub layout changed: update kOffsets";
  // The caller's return address: inside a function this program has CFI for.
  const uintptr_t into_root = reinterpret_cast<uintptr_t>(&lcprof_test_stub_root) + 1;
  for (UnwindMode mode : {UnwindMode::kFramePointer, UnwindMode::kDwarf, UnwindMode::kHybrid}) {
    std::string error;
    ASSERT_TRUE(ConfigureUnwinder(mode, 128, &error)) << error;
    // The caller's rbp: its frame record on the stack (root: 0, 0), or a
    // plain value (a caller built without frame pointers).
    alignas(16) static uintptr_t stack[1024];
    for (uintptr_t caller_fp : {reinterpret_cast<uintptr_t>(&stack[700]), uintptr_t{0x1234}})
      for (uintptr_t offset : kOffsets) {
        for (auto& w : stack) w = 0;
        const StackBounds bounds{reinterpret_cast<uintptr_t>(&stack[0]),
                                 reinterpret_cast<uintptr_t>(&stack[1024])};
        stack[600] = into_root;  // what the program's call pushed
        stack[599] = caller_fp;  // what the stub's push saves
        const bool frame_built = offset > kMovFrame && offset <= kPop;
        const bool pushed = offset == kMovFrame || frame_built;
        const auto sp = reinterpret_cast<uintptr_t>(&stack[pushed ? 599 : 600]);
        const uintptr_t fp = frame_built ? sp : caller_fp;
        const uintptr_t pc = stub + offset;
        ucontext_t uc;
        std::memset(&uc, 0, sizeof uc);
        uc.uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(pc);
        uc.uc_mcontext.gregs[REG_RSP] = static_cast<greg_t>(sp);
        uc.uc_mcontext.gregs[REG_RBP] = static_cast<greg_t>(fp);
        uintptr_t out[8] = {};
        const int n = UnwindCallers(UnwindStart{pc, sp, fp, &uc}, bounds, out, 8);
        ASSERT_GE(n, 1) << UnwindModeName(mode) << " at stub+" << offset;
        EXPECT_EQ(out[0], into_root) << UnwindModeName(mode) << " at stub+0x" << std::hex << offset
                                     << ", caller's rbp 0x" << caller_fp;
      }
  }
}

}  // namespace
}  // namespace lcprof::libcall
