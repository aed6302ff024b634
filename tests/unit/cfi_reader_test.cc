// The CFI reader against LLVM libunwind, the reference: at thousands of code
// addresses of libc, libstdc++ and this test, the caller (pc, sp, rbp) that
// lcprof's row gives must equal the one libunwind computes from the same
// registers on the same stack. Also the row kinds of known code (PLT stubs,
// thread roots) and what the reader does with addresses without CFI.
#include "profiler/unwinding/cfi_reader.h"

#include <gtest/gtest.h>
#include <sys/auxv.h>
#include <ucontext.h>

#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "profiler/unwinding/code_modules.h"
#include "profiler/unwinding/unwind_dwarf.h"

namespace lcprof {
namespace {

// A stack whose every word is the address of another word of it: whatever a
// row reads (a return address, a saved rbp, a DRAP pointer), the next read
// stays inside, for libunwind as for lcprof.
struct SelfPointingStack {
  static constexpr size_t kWords = 1 << 14;  // 128 KiB: libc frames reach 0x10000
  alignas(16) uintptr_t words[kWords];
  SelfPointingStack() {
    const auto base = reinterpret_cast<uintptr_t>(words);
    for (size_t i = 0; i < kWords; ++i) words[i] = base + ((i * 7919 + 13) % kWords) * 8;
  }
  uintptr_t Addr(size_t i) const { return reinterpret_cast<uintptr_t>(&words[i]); }
};

// The caller by lcprof's row for an interrupted pc.
bool StepByRule(const FrameRule& r, uintptr_t pc, uintptr_t sp, uintptr_t fp, uintptr_t* out) {
  uintptr_t cfa = 0;
  switch (r.kind) {
    case FrameRule::kCfa:
      cfa = (r.cfa_is_fp ? fp : sp) + static_cast<intptr_t>(r.cfa_offset);
      break;
    case FrameRule::kCfaDerefFp:
      cfa = *reinterpret_cast<const uintptr_t*>(fp + static_cast<intptr_t>(r.cfa_offset));
      break;
    case FrameRule::kCfaPlt:
      cfa = sp + static_cast<intptr_t>(r.cfa_offset) + ((pc & 15) >= r.plt_push ? 8 : 0);
      break;
    default:
      return false;
  }
  out[0] = *reinterpret_cast<const uintptr_t*>(cfa - 8);
  out[1] = cfa;
  out[2] = fp;
  if (r.fp_rule == FrameRule::kFpAtCfa) {
    out[2] = *reinterpret_cast<const uintptr_t*>(cfa + r.fp_offset);
  } else if (r.fp_rule == FrameRule::kFpAtFp) {
    out[2] = *reinterpret_cast<const uintptr_t*>(fp + r.fp_offset);
  }
  return true;
}

// libunwind's caller for the interrupted pc (handed over as pc + 1 so it
// applies the rows at or below pc, as lcprof's reader does).
bool StepByLibunwind(uintptr_t pc, uintptr_t sp, uintptr_t fp, uintptr_t* out) {
  DwarfWalkScope scope;
  DwarfStepper stepper;
  if (!stepper.Begin(FrameRegs{pc, sp, fp}, false, nullptr)) return false;
  FrameRegs caller;
  // 0 (the walk's end) is what it answers when the caller it reached, an
  // address on this stack, has no unwind information: the registers are
  // still the caller's.
  if (stepper.Step(&caller) < 0) return false;
  out[0] = caller.pc;
  out[1] = caller.sp;
  out[2] = caller.fp;
  return true;
}

struct Tally {
  int compared = 0, agreed = 0, complex = 0;
  std::string first_mismatch;
};

void CompareOver(uintptr_t lo, uintptr_t hi, uintptr_t stride, SelfPointingStack& stack, Tally* t) {
  CodeModule m;
  const uintptr_t sp = stack.Addr(SelfPointingStack::kWords / 2);
  const uintptr_t fp = stack.Addr(SelfPointingStack::kWords / 2 + 64);
  for (uintptr_t pc = lo; pc < hi; pc += stride) {
    if (!FindCodeModule(pc, &m)) continue;
    const CfiLookup look = ReadFrameRule(m, pc);
    // Both sides see pc + 1 looked up in the same FDE only away from its end.
    if (look.fde_start == 0 || ReadFrameRule(m, pc + 1).fde_start != look.fde_start) continue;
    if (look.rule.kind == FrameRule::kComplex) ++t->complex;
    // A PLT stub's CFA depends on rip itself, which libunwind is handed as
    // pc + 1: where pc and pc + 1 fall on either side of the push's end (or
    // of the stub's), the two differ by construction.
    if (look.rule.kind == FrameRule::kCfaPlt &&
        ((pc & 15) >= look.rule.plt_push) != (((pc + 1) & 15) >= look.rule.plt_push)) {
      continue;
    }
    uintptr_t ours[3], theirs[3];
    if (!StepByRule(look.rule, pc, sp, fp, ours)) continue;
    if (!StepByLibunwind(pc, sp, fp, theirs)) continue;
    ++t->compared;
    if (std::memcmp(ours, theirs, sizeof ours) == 0) {
      ++t->agreed;
    } else if (t->first_mismatch.size() < 400) {
      char buf[160];
      std::snprintf(buf, sizeof buf,
                    "pc %#lx kind %d: lcprof sp %+ld fp %+ld, libunwind sp %+ld fp %+ld\n",
                    static_cast<unsigned long>(pc), look.rule.kind, static_cast<long>(ours[1] - sp),
                    static_cast<long>(ours[2] - fp), static_cast<long>(theirs[1] - sp),
                    static_cast<long>(theirs[2] - fp));
      t->first_mismatch += buf;
    }
  }
}

TEST(CfiReaderTest, AgreesWithLibunwindOverLibcLibstdcxxAndThisProgram) {
  PrepareCodeModules();
  std::string error;
  ASSERT_TRUE(WarmUpDwarf(&error)) << error;
  static SelfPointingStack stack;
  const uintptr_t anchors[] = {
      reinterpret_cast<uintptr_t>(&qsort),           // libc
      reinterpret_cast<uintptr_t>(&std::terminate),  // libstdc++
      reinterpret_cast<uintptr_t>(&StepByRule),      // this test
  };
  for (uintptr_t a : anchors) {
    CodeModule m;
    ASSERT_TRUE(FindCodeModule(a, &m));
    Tally t;
    // Every 13th byte across the module: entries, prologues, bodies,
    // epilogues, PLT stubs alike.
    CompareOver(m.lo, m.hi, 13, stack, &t);
    EXPECT_GT(t.compared, 1000) << std::hex << m.lo;
    EXPECT_EQ(t.agreed, t.compared) << t.first_mismatch;
  }
}

TEST(CfiReaderTest, KnownRows) {
  PrepareCodeModules();
  CodeModule m;
  // A stack or heap address is in no module.
  int local = 0;
  EXPECT_FALSE(FindCodeModule(reinterpret_cast<uintptr_t>(&local), &m));
  // The vDSO has CFI, and is "inside a wrapped call".
  const uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
  ASSERT_TRUE(FindCodeModule(vdso, &m));
  EXPECT_NE(m.eh_frame_hdr, nullptr);
  EXPECT_EQ(m.kind, ModuleKind::kVdso);
  EXPECT_TRUE(InWrappedCallCode(vdso));
  ASSERT_TRUE(FindCodeModule(reinterpret_cast<uintptr_t>(&qsort), &m));
  EXPECT_NE(m.eh_frame_hdr, nullptr);
  // The row at a function's entry: CFA = rsp + 8, return address at CFA - 8.
  const FrameRule entry = ReadFrameRule(m, reinterpret_cast<uintptr_t>(&qsort)).rule;
  EXPECT_EQ(entry.kind, FrameRule::kCfa);
  EXPECT_FALSE(entry.cfa_is_fp);
  EXPECT_EQ(entry.cfa_offset, 8);
  // Past the module's last FDE there is nothing.
  EXPECT_EQ(ReadFrameRule(m, m.hi - 1).rule.kind, FrameRule::kNoInfo);
}

// Every packed form unpacks to the same rule.
TEST(CfiReaderTest, RulesSurvivePacking) {
  FrameRule r;
  r.kind = FrameRule::kCfaPlt;
  r.cfa_is_fp = true;
  r.fp_rule = FrameRule::kFpAtFp;
  r.fp_offset = -32768;
  r.plt_push = 11;
  r.cfa_offset = -2147483647 - 1;
  EXPECT_EQ(FrameRule::Unpack(r.Pack()), r);
  EXPECT_NE(r.Pack(), 0u);
  FrameRule s;
  s.kind = FrameRule::kNoInfo;
  EXPECT_EQ(FrameRule::Unpack(s.Pack()).kind, FrameRule::kNoInfo);
}

}  // namespace
}  // namespace lcprof
