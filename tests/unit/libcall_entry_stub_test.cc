// A wrapper's entry stub (libcall/entry_stubs.h): it passes the call, its
// arguments untouched, to the recording body when the call is selected and
// to the bypass word's function otherwise; and a sample taken at any of its
// instructions keeps the caller in every unwinder, although the stub has no
// frame (the frame-pointer walker takes the return address from sp).
#include <gtest/gtest.h>
#include <ucontext.h>

#include <cstring>
#include <string>
#include <vector>

#include "libcall/entry_stubs.h"
#include "libcall/libcall_id.h"
#include "profiler/unwinding/unwind_fp.h"
#include "profiler/unwinding/unwinder.h"

extern "C" {
int lcprof_test_stub_body(int a, int b) { return 100 + a * 10 + b; }
int lcprof_test_stub_bypass(int a, int b) { return 200 + a * 10 + b; }
int lcprof_test_stub(int a, int b);  // the stub, emitted below
__attribute__((noinline)) int lcprof_test_stub_root() {
  asm volatile("" ::: "memory");
  return 0;
}
}

namespace lcprof::libcall {
namespace {

// No interposer is linked into the unit tests, so getpid's word is free here.
constexpr size_t kIndex = BypassIndex(LibcallId::k_getpid);

[[gnu::used]] void EmitTestStub() {
  LCPROF_ENTRY_STUB_ASM(lcprof_test_stub, kIndex, lcprof_test_stub_body);
}

struct BypassWordReset {
  ~BypassWordReset() { g_libcall_bypass[kIndex].store(0); }
};

TEST(LibcallEntryStubTest, SelectedCallsReachTheBodyOthersTheBypassTarget) {
  BypassWordReset reset;
  int (*volatile stub)(int, int) = &lcprof_test_stub;
  g_libcall_bypass[kIndex].store(0);
  EXPECT_EQ(stub(3, 4), 134);
  g_libcall_bypass[kIndex].store(reinterpret_cast<uintptr_t>(&lcprof_test_stub_bypass));
  EXPECT_EQ(stub(5, 6), 256);
  g_libcall_bypass[kIndex].store(0);
  EXPECT_EQ(stub(7, 8), 178);
}

TEST(LibcallEntryStubTest, OnlyStubAddressesAreStubs) {
  const auto stub = reinterpret_cast<uintptr_t>(&lcprof_test_stub);
  EXPECT_TRUE(InEntryStub(stub));
  EXPECT_TRUE(InEntryStub(stub + 7));
  EXPECT_FALSE(InEntryStub(reinterpret_cast<uintptr_t>(&lcprof_test_stub_body)));
  EXPECT_FALSE(InEntryStub(reinterpret_cast<uintptr_t>(&lcprof_test_stub_root)));
  EXPECT_FALSE(InEntryStub(0));
}

// Each instruction of the stub: mov (7 bytes), test (3), jz, then jmp *%r11.
std::vector<uintptr_t> StubInstructions() {
  const auto stub = reinterpret_cast<uintptr_t>(&lcprof_test_stub);
  std::vector<uintptr_t> pcs = {stub, stub + 7, stub + 10};
  for (uintptr_t a = stub + 12; a < stub + 32; ++a) {
    const auto* b = reinterpret_cast<const uint8_t*>(a);
    if (b[0] == 0x41 && b[1] == 0xff && b[2] == 0xe3) {  // jmp *%r11
      pcs.push_back(a);
      break;
    }
  }
  return pcs;
}

TEST(LibcallEntryStubTest, SampleInsideAStubKeepsTheCallerInEveryUnwinder) {
  const std::vector<uintptr_t> pcs = StubInstructions();
  ASSERT_EQ(pcs.size(), 4u) << "stub layout changed";
  // The caller's return address: inside a function this program has CFI for.
  const uintptr_t into_root = reinterpret_cast<uintptr_t>(&lcprof_test_stub_root) + 1;
  for (UnwindMode mode : {UnwindMode::kFramePointer, UnwindMode::kDwarf, UnwindMode::kHybrid}) {
    std::string error;
    ASSERT_TRUE(ConfigureUnwinder(mode, 128, &error)) << error;
    for (uintptr_t pc : pcs) {
      alignas(16) static uintptr_t stack[1024];
      for (auto& w : stack) w = 0;
      const StackBounds bounds{reinterpret_cast<uintptr_t>(&stack[0]),
                               reinterpret_cast<uintptr_t>(&stack[1024])};
      const auto caller_fp = reinterpret_cast<uintptr_t>(&stack[700]);  // root frame record: 0, 0
      stack[600] = into_root;  // what the call pushed; the stub pushes nothing
      const auto sp = reinterpret_cast<uintptr_t>(&stack[600]);
      ucontext_t uc;
      std::memset(&uc, 0, sizeof uc);
      uc.uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(pc);
      uc.uc_mcontext.gregs[REG_RSP] = static_cast<greg_t>(sp);
      uc.uc_mcontext.gregs[REG_RBP] = static_cast<greg_t>(caller_fp);
      uintptr_t out[8] = {};
      const int n = UnwindCallers(UnwindStart{pc, sp, caller_fp, &uc}, bounds, out, 8);
      ASSERT_GE(n, 1) << UnwindModeName(mode) << " at stub+" << pc - pcs[0];
      EXPECT_EQ(out[0], into_root) << UnwindModeName(mode) << " at stub+" << pc - pcs[0];
    }
  }
}

}  // namespace
}  // namespace lcprof::libcall
