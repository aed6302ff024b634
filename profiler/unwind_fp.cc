// Frame-pointer walking; see unwind_fp.h for the bounds rules.
#include "profiler/unwind_fp.h"

#include "profiler/sample.h"

namespace lcprof {

FpWalkResult WalkFramePointers(uintptr_t fp, uintptr_t floor, StackBounds stack, uintptr_t* out,
                               int max) {
  FpWalkResult r;
  if (stack.hi == 0 || floor < stack.lo) return r;
  constexpr uintptr_t kFrameRecord = 2 * sizeof(uintptr_t);  // saved fp, return address
  for (;;) {
    if (fp < floor || fp > stack.hi - kFrameRecord || (fp & (sizeof(uintptr_t) - 1)) != 0) {
      r.broken = r.count > 0 || fp != 0;
      return r;
    }
    const auto* frame = reinterpret_cast<const uintptr_t*>(fp);
    uintptr_t next_fp = frame[0];
    uintptr_t ret = frame[1];
    if (IsPseudoFrame(ret)) return r;
    if (ret >= stack.lo && ret < stack.hi) {
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
    out[r.count++] = ret;
    if (next_fp == 0) return r;  // the root: _start and clone clear rbp
    if (next_fp <= fp) {
      r.broken = true;
      return r;
    }
    floor = fp + kFrameRecord;
    fp = next_fp;
  }
}

}  // namespace lcprof
