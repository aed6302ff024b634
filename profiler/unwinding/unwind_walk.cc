// The mixed walk; see unwind_walk.h. Per frame:
//   1. the row for the frame's lookup address (the exact pc for the
//      interrupted frame and after a signal frame, else the return address
//      minus one, i.e. the call instruction): the frame-rule cache, else the
//      module map and the module's CFI (cached for the next walk);
//   2. the step that row calls for: CFA and return address from the row
//      (two or three bounds-checked stack reads), the kernel's ucontext for
//      a signal trampoline, LLVM libunwind for CFI the row cannot express,
//      frame pointers for code without unwind information;
//   3. the caller is accepted only if its sp is strictly higher and inside
//      the stack and its pc returns into a loaded module or, outside every
//      module, to a user-space address off the stack (JIT code, walked on by
//      frame pointers); anything else ends the walk in a pseudo-frame saying
//      why.
// All stack reads go through one StackWindow whose floor rises with the
// frames left behind; module memory is read only inside a WalkGuard that
// says modules are readable (unload_guard.h).
#include "profiler/unwinding/unwind_walk.h"

#include <ucontext.h>

#include <atomic>
#include <cstddef>

#include "profiler/unwinding/cfi_reader.h"
#include "profiler/unwinding/code_modules.h"
#include "profiler/unwinding/frame_rule_cache.h"
#include "profiler/unwinding/sample.h"
#include "profiler/unwinding/stack_window.h"
#include "profiler/unwinding/unload_guard.h"
#include "profiler/unwinding/unwind_dwarf.h"
#include "profiler/unwinding/unwind_fp.h"

namespace lcprof {
namespace {

// libunwind reads saved registers below a frame-base register that may sit
// at sp: it is only started with this much stack below sp.
constexpr uintptr_t kLowMargin = 512;
// User-space code lies above the first pages and below the canonical limit.
constexpr uintptr_t kLowestCode = 0x10000;
constexpr uintptr_t kHighestCode = uintptr_t{1} << 47;

std::atomic<uint64_t> g_fallbacks{0};
std::atomic<uint64_t> g_cfi_reads{0};
std::atomic<uint64_t> g_unload_fp_walks{0};

// What is known of one lookup address.
struct CodeFacts {
  FrameRule rule;
  bool in_module = false;  // a loaded module holds the address
};

CodeFacts LookUpCode(uintptr_t addr) {
  CodeFacts facts;
  facts.rule.kind = FrameRule::kNoInfo;
  FrameRuleCache* cache = SharedFrameRuleCache();
  if (cache != nullptr && cache->Find(addr, &facts.rule)) {
    facts.in_module = true;  // only module code is ever cached
    return facts;
  }
  CodeModule module;
  if (!FindCodeModule(addr, &module)) return facts;
  facts.in_module = true;
  facts.rule = ReadFrameRule(module, addr).rule;
  g_cfi_reads.fetch_add(1, std::memory_order_relaxed);
  if (cache != nullptr) cache->Insert(addr, facts.rule);
  return facts;
}

// A "return address" at the first byte of a function with no FDE covering
// the byte before it: no call returns there; it was pushed as the root of a
// stack (makecontext's __start_context, whose CFI would otherwise read the
// uc_link slot as a return address).
bool IsPushedRoot(uintptr_t ret) {
  CodeModule module;
  return FindCodeModule(ret, &module) && ReadFrameRule(module, ret).fde_start == ret;
}

// The x86-64 ABI's red zone: an interrupted function may keep data in the
// 128 bytes below its sp (the kernel leaves them alone); in an epilogue,
// registers already popped are still described as saved there.
constexpr uintptr_t kRedZone = 128;

bool IsRuleStep(FrameRule::Kind kind) {
  return kind == FrameRule::kCfa || kind == FrameRule::kCfaDerefFp || kind == FrameRule::kCfaPlt;
}

// Whether pc + 1, which libunwind is handed for an interrupted pc, lies in
// the same FDE as pc (not on the function's last byte). Rare: CFI the row
// cannot express at an interrupted pc.
bool ExactPcStaysInFde(uintptr_t pc) {
  CodeModule module;
  if (!FindCodeModule(pc, &module)) return false;
  const uintptr_t fde = ReadFrameRule(module, pc).fde_start;
  return fde != 0 && ReadFrameRule(module, pc + 1).fde_start == fde;
}

// Step by the row: CFA, return address and rbp, every read in the window
// (for an interrupted frame, the window reaches into the red zone).
bool RuleStep(const FrameRule& rule, const FrameRegs& cur, bool exact, StackWindow win,
              StackBounds stack, FrameRegs* next) {
  if (exact) win = StackWindow(stack, cur.sp - kRedZone);
  uintptr_t cfa = 0;
  if (rule.kind == FrameRule::kCfa) {
    cfa = (rule.cfa_is_fp ? cur.fp : cur.sp) + static_cast<intptr_t>(rule.cfa_offset);
  } else if (rule.kind == FrameRule::kCfaPlt) {
    cfa =
        cur.sp + static_cast<intptr_t>(rule.cfa_offset) + ((cur.pc & 15) >= rule.plt_push ? 8 : 0);
  } else if (!win.ReadWord(cur.fp + static_cast<intptr_t>(rule.cfa_offset), &cfa)) {
    return false;
  }
  if (cfa < cur.sp + sizeof(uintptr_t) || cfa > win.hi()) return false;
  uintptr_t ret = 0, fp = cur.fp;
  if (!win.ReadWord(cfa - sizeof(uintptr_t), &ret)) return false;
  if (rule.fp_rule == FrameRule::kFpAtCfa) {
    if (!win.ReadWord(cfa + static_cast<intptr_t>(rule.fp_offset), &fp)) return false;
  } else if (rule.fp_rule == FrameRule::kFpAtFp) {
    if (!win.ReadWord(cur.fp + static_cast<intptr_t>(rule.fp_offset), &fp)) return false;
  }
  *next = FrameRegs{ret, cfa, fp};
  return true;
}

// A signal trampoline's frame: sp points at the ucontext the kernel saved
// (the trampoline's address, popped by the handler's return, was just
// below it). The interrupted registers come from there.
bool SignalStep(const FrameRegs& cur, const StackWindow& win, FrameRegs* next,
                const void** ucontext) {
  if (!win.Holds(cur.sp, sizeof(ucontext_t)) || (cur.sp & 7) != 0) return false;
  const auto* uc = reinterpret_cast<const ucontext_t*>(cur.sp);
  const greg_t* g = uc->uc_mcontext.gregs;
  *next = FrameRegs{static_cast<uintptr_t>(g[REG_RIP]), static_cast<uintptr_t>(g[REG_RSP]),
                    static_cast<uintptr_t>(g[REG_RBP])};
  *ucontext = uc;
  return true;
}

// One frame-pointer step: the frame record at rbp, inside the window.
bool FpStep(const FrameRegs& cur, const StackWindow& win, FrameRegs* next) {
  FrameRecord rec;
  if (!win.ReadFrameRecord(cur.fp, &rec)) return false;
  *next = FrameRegs{rec.ret, cur.fp + 2 * sizeof(uintptr_t), rec.saved_fp};
  return true;
}

// Whether libunwind may step the frame `cur` with row `rule` without reading
// outside the stack. For CFI the row cannot express: only the interrupted
// frame (or one restored from a signal frame), whose registers are all real,
// with rbp inside the window. Otherwise libunwind's reads lie between
// sp - kLowMargin and the CFA if its row gives the same CFA as ours: for a
// return address it applies the rows starting below pc - 1 (ours: at or
// below), so the row at pc - 2 must pass the same check (the two differ only
// where a row starts inside a call instruction: never in real code, often on
// a garbage stack).
bool LibunwindMayStep(const FrameRule& rule, const FrameRegs& cur, bool exact,
                      const StackWindow& win, StackBounds stack, bool real_regs) {
  if (cur.sp < stack.lo + kLowMargin || cur.sp >= stack.hi) return false;
  if (rule.kind == FrameRule::kComplex) {
    return exact && real_regs && win.Holds(cur.fp, 2 * sizeof(uintptr_t)) &&
           ExactPcStaysInFde(cur.pc);
  }
  FrameRegs probe;
  if (!RuleStep(rule, cur, exact, win, stack, &probe)) return false;
  if (exact) return true;
  const FrameRule before = LookUpCode(cur.pc - 2).rule;
  return IsRuleStep(before.kind) && RuleStep(before, cur, false, win, stack, &probe);
}

// Frames written so far and the walk's end, shared by the step kinds.
class Walk {
 public:
  Walk(uintptr_t* out, int max) : out_(out), limit_(max - 1) {}
  int count() const { return n_; }
  // Ends the walk with a pseudo-frame.
  int End(uintptr_t pseudo) {
    out_[n_++] = pseudo;
    return n_;
  }
  // Appends a caller; false when the depth limit left no room (truncated).
  bool Push(uintptr_t pc) {
    if (n_ == limit_) {
      out_[n_++] = kFrameTruncated;  // a real frame is left over
      return false;
    }
    out_[n_++] = pc;
    return true;
  }

 private:
  uintptr_t* out_;
  int limit_;
  int n_ = 0;
};

}  // namespace

UnwindCounters ReadUnwindCounters() {
  UnwindCounters c;
  c.libunwind_fallbacks = g_fallbacks.load(std::memory_order_relaxed);
  c.cfi_reads = g_cfi_reads.load(std::memory_order_relaxed);
  FrameRuleCache* cache = SharedFrameRuleCache();
  c.cache_full = cache != nullptr ? cache->full_count() : 0;
  c.unload_fp_walks = g_unload_fp_walks.load(std::memory_order_relaxed);
  return c;
}

int WalkMixed(const UnwindStart& start, StackBounds stack, uintptr_t* out, int max, bool hybrid) {
  if (max <= 0 || stack.hi == 0) return 0;
  WalkGuard guard;
  if (!guard.modules_readable()) {
    g_unload_fp_walks.fetch_add(1, std::memory_order_relaxed);
    return UnwindByFramePointers(start, stack, out, max);
  }
  DwarfWalkScope in_libunwind_walk;
  DwarfStepper dwarf;
  bool live = false;  // the libunwind cursor stands on `cur` (dwarf mode)
  Walk walk(out, max);
  StackWindow win(stack, start.sp);
  FrameRegs cur{start.pc, start.sp, start.fp};
  bool exact = start.ucontext != nullptr;  // cur.pc is an interrupted pc
  const void* regs = start.ucontext;       // every register of cur, when known
  CodeFacts facts = LookUpCode(exact ? cur.pc : cur.pc - 1);
  for (;;) {
    win.RaiseFloor(cur.sp);
    const FrameRule& rule = facts.rule;
    if (rule.kind == FrameRule::kRoot) return walk.count();
    if (!exact && rule.kind == FrameRule::kNoInfo && facts.in_module && IsPushedRoot(cur.pc)) {
      return walk.count();
    }
    FrameRegs next;
    bool stepped = false, next_exact = false;
    const void* next_regs = nullptr;
    // hybrid hands libunwind only CFI the row cannot express; dwarf mode
    // every caller frame (an interrupted pc it would look up one byte on,
    // unwind_dwarf.h: the row is exact there).
    const bool use_libunwind =
        rule.kind == FrameRule::kComplex || (IsRuleStep(rule.kind) && !hybrid && !exact);
    if (use_libunwind && LibunwindMayStep(rule, cur, exact, win, stack, regs != nullptr)) {
      if (!live && !dwarf.Begin(cur, !exact, regs)) {
        return walk.End(kFrameDwarfFailed);
      }
      if (rule.kind == FrameRule::kComplex) g_fallbacks.fetch_add(1, std::memory_order_relaxed);
      const int rc = dwarf.Step(&next);
      if (rc < 0) return walk.End(kFrameDwarfFailed);
      if (rc == 0 && (next.pc == 0 || (next.pc + 1 >= cur.pc && next.pc <= cur.pc + 1))) {
        return walk.count();  // libunwind found the outermost frame
      }
      live = rc > 0 && !hybrid;
      stepped = true;
    } else if (IsRuleStep(rule.kind)) {
      live = false;
      if (!RuleStep(rule, cur, exact, win, stack, &next)) return walk.End(kFrameBrokenChain);
      stepped = true;
    } else if (rule.kind == FrameRule::kSignal) {
      live = false;
      if (!SignalStep(cur, win, &next, &next_regs)) return walk.End(kFrameBrokenChain);
      next_exact = true;
      stepped = true;
    }
    if (!stepped) {
      // No unwind information (or CFI libunwind may not be trusted with):
      // frame pointers, whose root is a zero rbp.
      live = false;
      // A zero rbp ends a frame-pointer chain, in module code; a caller taken
      // for JIT code must lead on (JIT code is entered from the runtime), else
      // it was no caller: say so.
      if (cur.fp == 0) return facts.in_module ? walk.count() : walk.End(kFrameBrokenChain);
      if (!FpStep(cur, win, &next)) return walk.End(kFrameBrokenChain);
    }
    if (next.pc == 0 || IsPseudoFrame(next.pc)) return walk.count();  // no caller
    if (next.sp <= cur.sp || next.sp > stack.hi) return walk.End(kFrameBrokenChain);
    facts = LookUpCode(next_exact ? next.pc : next.pc - 1);
    // A caller in no module may be JIT code: taken if it is a user-space
    // address off the stack (the walk then goes on by frame pointers).
    const bool may_be_jit =
        next.pc >= kLowestCode && next.pc < kHighestCode && !stack.Contains(next.pc);
    if (!facts.in_module && !may_be_jit) return walk.End(kFrameBrokenChain);
    if (!walk.Push(next.pc)) return walk.count();
    if (live && next_exact) live = false;
    cur = next;
    exact = next_exact;
    regs = next_regs;
  }
}

}  // namespace lcprof
