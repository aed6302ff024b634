// Frame-pointer walking; see unwind_fp.h for the bounds rules.
#include "profiler/unwind_fp.h"

#include "profiler/sample.h"
#include "profiler/stack_window.h"

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

int UnwindByFramePointers(uintptr_t fp, uintptr_t sp, StackBounds stack, uintptr_t* out, int max) {
  if (max <= 0) return 0;
  FpWalkResult walk = WalkFramePointers(fp, sp, stack, out, max - 1);
  int n = walk.count;
  if (walk.truncated) {
    out[n++] = kFrameTruncated;
  } else if (walk.broken) {
    out[n++] = kFrameBrokenChain;
  }
  return n;
}

}  // namespace lcprof
