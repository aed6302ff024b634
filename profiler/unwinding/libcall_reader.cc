// Reading a stack through libcall records and signal frames; see
// libcall_reader.h and docs/libcall.md.
//
// A thread's stack is read as a series of levels. Level 0 is the thread's own
// code; level d > 0 is the d-th program signal handler running behind
// lcprof's trampoline, whose frames end at the trampoline's frame. Each level
// has its own libcall record. Starting at the innermost level with the
// interrupted context:
//  - no record in force at this level: walk the level's frames (all of them
//    at level 0, down to the trampoline above it);
//  - a record in force and the pc inside the wrapped call's code (libc, the
//    vDSO, the loader: not walkable cheaply): name the call, then walk from
//    the record's pc/fp (the contract's reader rule 2);
//  - a record in force and the pc in program code (a callback the wrapped
//    call made, e.g. an atexit handler inside exit()): walk the program
//    frames while they stay below the record's sp and outside the call's
//    code, then name the call and continue from the record.
// Then, below a handler level, a [signal] frame, and the walk goes on at the
// next level out from the context the handler interrupted.
#include "profiler/unwinding/libcall_reader.h"

#include "libcall/g_table.h"
#include "libcall/record.h"
#include "libcall/signal_guard.h"
#include "profiler/unwinding/code_modules.h"
#include "profiler/unwinding/stack_window.h"
#include "profiler/unwinding/thread_stack.h"
#include "profiler/unwinding/unwinder.h"

namespace lcprof {
namespace {

// Room kept free at the end of the frame array for what follows a walk: a
// [signal] frame, the next level's pc, a libcall record's pc and a pseudo-frame.
constexpr int kReserve = 4;

class StackBuilder {
 public:
  explicit StackBuilder(Sample& s) : s_(s) {}
  int room() const { return limit_ - n_; }
  bool Push(uintptr_t frame) {
    if (n_ >= kMaxFrames) return false;
    s_.frames[n_++] = frame;
    return true;
  }
  void Mark(uintptr_t fn) {
    if (s_.marks < kMaxLibcallMarks) s_.mark[s_.marks++] = {static_cast<uint32_t>(n_), fn};
  }
  void Walk(const UnwindStart& start, StackBounds stack) {
    int want = room() - kReserve;
    if (want > 0) n_ += UnwindCallers(start, stack, &s_.frames[n_], want);
  }
  // Frame-pointer walk of a handler level: its frames up to, not including,
  // the one the trampoline's frame returns to. Every read lies in the
  // window from `floor` up, and below the trampoline's frame.
  void WalkUntilFrame(uintptr_t fp, uintptr_t floor, StackBounds stack, uintptr_t stop_fp) {
    StackWindow win(stack, floor);
    FrameRecord rec;
    while (room() > kReserve && fp < stop_fp && win.ReadFrameRecord(fp, &rec)) {
      if (rec.saved_fp == stop_fp || IsPseudoFrame(rec.ret)) return;  // next is the trampoline's
      if (stack.Contains(rec.ret)) {  // a stack address is no return address
        Push(kFrameBrokenChain);
        return;
      }
      Push(rec.ret);
      if (rec.saved_fp <= fp) return;
      win.RaiseFloor(fp + 2 * sizeof(uintptr_t));
      fp = rec.saved_fp;
    }
  }
  // Program frames of a callback made from inside a wrapped call: walked
  // while they lie below the record's sp and return into program code. The
  // frame whose return address sits right under the record's sp is the
  // wrapper's own (it returns to the record's pc, pushed next): excluded, so
  // the caller never appears twice.
  void WalkCallbackFrames(uintptr_t fp, uintptr_t floor, StackBounds stack, uintptr_t record_sp) {
    StackWindow win(StackBounds{stack.lo, record_sp < stack.hi ? record_sp : stack.hi}, floor);
    FrameRecord rec;
    while (room() > kReserve && fp + 2 * sizeof(uintptr_t) < record_sp &&
           win.ReadFrameRecord(fp, &rec)) {
      if (IsPseudoFrame(rec.ret) || InWrappedCallCode(rec.ret) || stack.Contains(rec.ret)) return;
      Push(rec.ret);
      if (rec.saved_fp <= fp) return;
      win.RaiseFloor(fp + 2 * sizeof(uintptr_t));
      fp = rec.saved_fp;
    }
  }
  void Finish() { s_.depth = static_cast<uint32_t>(n_); }
  void SetLimit(int limit) { limit_ = limit < kMaxFrames ? limit : kMaxFrames; }

 private:
  Sample& s_;
  int n_ = 0;
  int limit_ = kMaxFrames;
};

// The stack a level's code runs on: a handler on the alternate stack has its
// own; otherwise the current G's, when the context is on it; else the thread's.
StackBounds LevelStack(int level, uintptr_t sp) {
  if (level > 0) {
    const libcall::SignalFrame& f = libcall::SignalFrameAt(level);
    if (f.stack_hi != 0) return StackBounds{f.stack_lo, f.stack_hi};
  }
  uintptr_t lo = 0, hi = 0;
  if (uint64_t g = libcall::CurrentG();
      g != 0 && libcall::LookupGStack(g, &lo, &hi) && sp >= lo && sp < hi) {
    return StackBounds{lo, hi};
  }
  return ThisThreadStack();
}

// A record describes a call still in progress when its sp lies on this
// level's stack above the interrupted sp: the recording wrapper's frame is
// below the caller's sp, so an interrupted sp above it means the call is gone
// (a handler longjmp'ed out of it) and the record is stale.
// A record a wrapper made (fn a LibcallId, not a region named through the
// API) is also stale when the word under its sp no longer is its pc: while
// the wrapper runs, that word is the return address its call pushed; once a
// longjmp or an exception left the call, later calls overwrite it.
bool RecordInForce(const libcall::RecordSnapshot& rec, uintptr_t sp, StackBounds stack) {
  if (rec.sp == 0 || !stack.Contains(rec.sp)) return false;
  if (stack.Contains(sp) && sp > rec.sp) return false;
  if (rec.fn < libcall::kFirstNamePointer) {
    uintptr_t ret = 0;
    const StackWindow win(stack, rec.sp - sizeof(uintptr_t));
    if (!win.ReadWord(rec.sp - sizeof(uintptr_t), &ret) || ret != rec.pc) return false;
  }
  return true;
}

}  // namespace

void PrepareLibcallReader() { PrepareCodeModules(); }

void FillSampleStack(Sample& s, const InterruptedRegs& regs, const void* ucontext) {
  StackBuilder b(s);
  b.SetLimit(UnwindDepth() + 2);
  s.marks = 0;
  s.g = libcall::CurrentG();
  int level = libcall::LiveSignalDepth(regs.sp, ucontext);
  InterruptedRegs cur = regs;
  const void* cur_uc = ucontext;
  b.Push(cur.pc);
  for (;;) {
    const StackBounds stack = LevelStack(level, cur.sp);
    const uintptr_t stop_fp = level > 0 ? libcall::SignalFrameAt(level).trampoline_fp : 0;
    libcall::RecordSnapshot rec = libcall::Read(libcall::RecordAtDepth(level));
    if (stack.hi == 0) {
      b.Push(kFrameNoStackBounds);
      break;
    }
    if (RecordInForce(rec, cur.sp, stack)) {
      if (!InWrappedCallCode(cur.pc)) {
        b.WalkCallbackFrames(cur.fp, cur.sp, stack, rec.sp);
      }
      b.Mark(rec.fn);
      b.Push(rec.pc);
      if (level > 0) {
        b.WalkUntilFrame(rec.fp, rec.sp, stack, stop_fp);
      } else {
        b.Walk(UnwindStart{rec.pc, rec.sp, rec.fp, nullptr}, stack);
      }
    } else if (!stack.Contains(cur.sp)) {
      b.Push(kFrameForeignStack);
      break;
    } else if (level > 0) {
      b.WalkUntilFrame(cur.fp, cur.sp, stack, stop_fp);
    } else {
      b.Walk(UnwindStart{cur.pc, cur.sp, cur.fp, cur_uc}, stack);
    }
    if (level == 0) break;
    // Cross the signal frame to what the handler interrupted.
    const libcall::SignalFrame& f = libcall::SignalFrameAt(level);
    b.Push(kFrameSignal);
    cur = InterruptedRegs{f.pc, f.sp, f.fp};
    cur_uc = f.ucontext;
    b.Push(cur.pc);
    --level;
  }
  b.Finish();
}

}  // namespace lcprof
