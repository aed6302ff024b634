// Frame-pointer walking; see unwind_fp.h for the bounds rules.
#include "profiler/unwinding/unwind_fp.h"

#include "libcall/entry_stubs.h"
#include "profiler/unwinding/code_modules.h"
#include "profiler/unwinding/sample.h"
#include "profiler/unwinding/stack_window.h"

namespace lcprof {

FpWalkResult WalkFramePointers(uintptr_t fp, uintptr_t floor, StackBounds stack, uintptr_t* out,
                               int max) {
  FpWalkResult r;
  StackWindow win(stack, floor);
  if (win.empty() || floor < stack.lo) return r;
  for (;;) {
    FrameRecord rec;
    if (!win.ReadFrameRecord(fp, &rec)) {
      r.broken = r.count > 0 || fp != 0;
      return r;
    }
    if (IsPseudoFrame(rec.ret)) return r;
    if (stack.Contains(rec.ret)) {
      // A stack address where the return address should be: fp is not a
      // frame record (e.g. rbp read in a prologue or epilogue). Checking
      // every address against the loaded modules would cost a lookup per
      // frame; this catches the slot one word off (a saved rbp).
      r.broken = true;
      return r;
    }
    if (r.count == max) {
      r.truncated = true;  // a real frame is left over
      return r;
    }
    out[r.count++] = rec.ret;
    if (rec.saved_fp == 0) return r;  // the root: _start and clone clear rbp
    if (rec.saved_fp <= fp) {
      r.broken = true;
      return r;
    }
    win.RaiseFloor(fp + 2 * sizeof(uintptr_t));
    fp = rec.saved_fp;
  }
}

namespace {

// Where the return address sits when the interrupted pc has no frame of its
// own yet (or any more): bytes from sp, or -1 when rbp is its frame base.
// Reads the code at pc and, on the same page, the byte before it: only for a
// pc inside a loaded module (a pc the thread was executing there is mapped;
// anything else, a JIT's or a corrupt context's, is not read).
int FramelessReturnSlot(uintptr_t pc, uintptr_t sp, uintptr_t fp) {
  CodeModule module;
  if (!FindCodeModule(pc, &module) || pc + 4 > module.hi) return -1;
  const auto* code = reinterpret_cast<const uint8_t*>(pc);
  if (code[0] == 0x55 || code[0] == 0xc3) return 0;  // push %rbp, ret
  if (code[0] == 0xf3 && code[1] == 0x0f && code[2] == 0x1e && code[3] == 0xfa)
    return 0;  // endbr64
  const bool after_push = (pc & 0xfff) != 0 && code[-1] == 0x55;
  if (after_push && code[0] == 0x48 && code[1] == 0x89 && code[2] == 0xe5)
    return 8;  // mov %rsp,%rbp
  // A wrapper's entry stub (libcall/entry_stubs.h) builds its frame right
  // before its call and drops it right after (its push, mov and ret are
  // matched above): after `mov %rsp,%rbp` and up to `pop %rbp` rbp equals
  // sp; everywhere else rbp is still the caller's, which never equals sp
  // (the caller's frame record lies above the return address at sp).
  if (libcall::InEntryStub(pc)) return fp == sp ? -1 : 0;
  return -1;
}

}  // namespace

int UnwindByFramePointers(const UnwindStart& start, StackBounds stack, uintptr_t* out, int max) {
  if (max <= 0) return 0;
  int n = 0;
  uintptr_t floor = start.sp;
  if (start.ucontext != nullptr && max > 1) {
    const int slot = FramelessReturnSlot(start.pc, start.sp, start.fp);
    uintptr_t ret = 0;
    if (slot >= 0 && StackWindow(stack, start.sp).ReadWord(start.sp + slot, &ret) &&
        !IsPseudoFrame(ret) && !stack.Contains(ret)) {
      out[n++] = ret;
      floor = start.sp + slot + sizeof(uintptr_t);
    }
  }
  FpWalkResult walk = WalkFramePointers(start.fp, floor, stack, out + n, max - 1 - n);
  n += walk.count;
  if (walk.truncated) {
    out[n++] = kFrameTruncated;
  } else if (walk.broken) {
    out[n++] = kFrameBrokenChain;
  }
  return n;
}

}  // namespace lcprof
