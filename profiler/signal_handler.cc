// The SIGPROF handler, a short fixed sequence:
//   save errno -> check armed -> read the libcall record and the ucontext ->
//   walk into a claimed buffer slot -> commit -> restore errno.
// Everything here is async-signal-safe: no allocation, locks, stdio or lazy
// binding (the library is linked with -z now); every stack read is bounded.
#include "profiler/signal_handler.h"

#include <signal.h>

#include <atomic>
#include <cerrno>

#include "libcall/record.h"
#include "profiler/platform.h"
#include "profiler/thread_stack.h"
#include "profiler/signal_weight.h"
#include "profiler/unwinder.h"

namespace lcprof {
namespace {

std::atomic<SampleBuffer*> g_buffer{nullptr};
std::atomic<int> g_in_flight{0};

// True when the record describes a call still in progress on this stack: the
// recording wrapper's frame lies below the caller's sp, so an interrupted sp
// above it on the same stack means that call is gone (e.g. a handler
// longjmp'ed out of it) and the record is stale.
bool RecordInForce(const libcall::RecordSnapshot& rec, const InterruptedRegs& regs,
                   StackBounds stack) {
  if (rec.sp == 0 || !stack.Contains(rec.sp)) return false;
  return !(stack.Contains(regs.sp) && regs.sp > rec.sp);
}

// Fills s.frames: the exact interrupted pc, then the callers, from the record
// when one is in force (contract reader rule 2) and from the interrupted
// registers otherwise (rule 1). A walk that cannot start or is cut short ends
// in a pseudo-frame (rule 3).
void FillStack(Sample& s, const InterruptedRegs& regs, const void* ucontext,
               const libcall::RecordSnapshot& rec) {
  const StackBounds stack = ThisThreadStack();
  const int depth = UnwindDepth();
  int n = 0;
  s.frames[n++] = regs.pc;
  if (stack.hi == 0) {
    s.frames[n++] = kFrameNoStackBounds;
  } else if (RecordInForce(rec, regs, stack)) {
    s.libcall_fn = static_cast<uint32_t>(rec.fn);
    s.g = rec.g;
    s.frames[n++] = rec.pc;
    UnwindStart start{rec.pc, rec.sp, rec.fp, nullptr};
    n += UnwindCallers(start, stack, &s.frames[n], depth);
  } else if (!stack.Contains(regs.sp)) {
    s.frames[n++] = kFrameForeignStack;
  } else {
    UnwindStart start{regs.pc, regs.sp, regs.fp, ucontext};
    n += UnwindCallers(start, stack, &s.frames[n], depth);
  }
  s.depth = static_cast<uint32_t>(n);
}

void OnProfSignal(int /*sig*/, siginfo_t* info, void* ucontext) {
  const int saved_errno = errno;
  g_in_flight.fetch_add(1, std::memory_order_acquire);
  if (SampleBuffer* buffer = g_buffer.load(std::memory_order_acquire)) {
    if (uint64_t cpu_nanos = WeighProfSignal(info); cpu_nanos != 0) {
      RecordSampleFromContext(*buffer, ucontext, cpu_nanos);
    }
  }
  g_in_flight.fetch_sub(1, std::memory_order_release);
  errno = saved_errno;
}

}  // namespace

void RecordSampleFromContext(SampleBuffer& buffer, const void* ucontext, uint64_t cpu_nanos) {
  SampleBuffer::Claim claim = buffer.TryClaim();
  if (claim.sample == nullptr) return;  // counted as lost by the buffer
  Sample& s = *claim.sample;
  s.libcall_fn = 0;
  s.g = 0;
  s.reserved = 0;
  s.tid = CurrentThreadId();
  s.cpu_nanos = cpu_nanos;
  FillStack(s, RegsFromUcontext(ucontext), ucontext, libcall::Read(libcall::ThisThreadRecord()));
  buffer.Commit(claim);
}

bool InstallProfSignalHandler() {
  struct sigaction sa {};
  sa.sa_sigaction = OnProfSignal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  return sigaction(SIGPROF, &sa, nullptr) == 0;
}

void ArmProfSignalHandler(SampleBuffer* buffer) {
  g_buffer.store(buffer, std::memory_order_release);
}

void DisarmProfSignalHandler() {
  g_buffer.store(nullptr, std::memory_order_seq_cst);
  // A handler that loaded the buffer before the store above finishes within
  // one short walk; wait for it so the buffer can be drained for the last time.
  for (int i = 0; i < 1000000 && g_in_flight.load(std::memory_order_seq_cst) != 0; ++i) {
  }
}

void ResetProfSignalHandlerAfterFork() {
  g_buffer.store(nullptr, std::memory_order_relaxed);
  g_in_flight.store(0, std::memory_order_relaxed);
}

}  // namespace lcprof
