// The one bounded reader of stack memory. Every walker (unwind_fp.cc,
// unwind_walk.cc, the handler and callback walks of libcall_reader.cc) reads
// stack words only through a StackWindow, so no walker can read outside the
// part of a thread's stack that is live at the sampled moment.
// Signal-safe: plain loads after range checks, nothing else.
#pragma once

#include <cstdint>

#include "profiler/unwinding/thread_stack.h"

namespace lcprof {

// A saved-rbp frame record: the caller's rbp and the return address, at fp.
struct FrameRecord {
  uintptr_t saved_fp = 0;
  uintptr_t ret = 0;
};

// The readable window [lo, hi) of one stack: `lo` is the walk's floor (the
// stack pointer it started from, raised as frames are left behind), never
// below the stack's own lowest address; `hi` the stack's top. Built from the
// stack's bounds and a floor, so a floor that is not on the stack (a stale
// record, a coroutine lcprof does not know) yields a window inside the stack
// or an empty one, never a wider one.
class StackWindow {
 public:
  StackWindow(StackBounds stack, uintptr_t floor) : hi_(stack.hi) {
    lo_ = floor > stack.lo ? floor : stack.lo;
    if (stack.hi == 0 || lo_ > hi_) lo_ = hi_;  // empty
  }

  uintptr_t lo() const { return lo_; }
  uintptr_t hi() const { return hi_; }
  bool empty() const { return lo_ >= hi_; }
  // Whether [addr, addr + bytes) lies inside the window.
  bool Holds(uintptr_t addr, uintptr_t bytes) const {
    return addr >= lo_ && addr <= hi_ && hi_ - addr >= bytes;
  }
  // Reads the 8-aligned word at `addr`; false (nothing read) outside the window.
  bool ReadWord(uintptr_t addr, uintptr_t* value) const {
    if ((addr & 7) != 0 || !Holds(addr, sizeof(uintptr_t))) return false;
    *value = *reinterpret_cast<const uintptr_t*>(addr);
    return true;
  }
  // Reads the frame record at `fp` (two words); false outside the window.
  bool ReadFrameRecord(uintptr_t fp, FrameRecord* record) const {
    if ((fp & 7) != 0 || !Holds(fp, 2 * sizeof(uintptr_t))) return false;
    const auto* words = reinterpret_cast<const uintptr_t*>(fp);
    *record = FrameRecord{words[0], words[1]};
    return true;
  }
  // Leaves everything below `floor` behind (a walk moving to its caller).
  // The window never grows.
  void RaiseFloor(uintptr_t floor) {
    if (floor > lo_) lo_ = floor < hi_ ? floor : hi_;
  }

 private:
  uintptr_t lo_;
  uintptr_t hi_;
};

}  // namespace lcprof
