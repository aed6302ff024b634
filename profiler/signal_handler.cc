// The SIGPROF handler, a short fixed sequence:
//   save errno -> check armed -> read the libcall record and the ucontext ->
//   walk into a claimed buffer slot -> commit -> restore errno.
// Everything here is async-signal-safe: no allocation, locks, stdio or lazy
// binding (the library is linked with -z now); every stack read is bounded.
#include "profiler/signal_handler.h"

#include <signal.h>

#include <atomic>
#include <cerrno>

#include "libcall/signal_guard.h"
#include "profiler/libcall_reader.h"
#include "profiler/platform.h"
#include "profiler/signal_weight.h"

namespace lcprof {
namespace {

std::atomic<SampleBuffer*> g_buffer{nullptr};
std::atomic<int> g_in_flight{0};

// A SIGPROF sent with kill/tgkill/sigqueue (si_code <= 0, but not one of
// lcprof's own timer or handshake signals, SI_TIMER among them) while the
// program has a handler of its own for it: the program's, not a sample. (Without a program handler
// a sent SIGPROF is sampled rather than left to the default action, which would kill the program.)
bool SentByProgram(const siginfo_t* info) {
  return info != nullptr && info->si_code <= 0 && !SentByLcprof(info) &&
         libcall::ProgramHandlesSignal(SIGPROF);
}

void OnProfSignal(int /*sig*/, siginfo_t* info, void* ucontext) {
  const int saved_errno = errno;
  g_in_flight.fetch_add(1, std::memory_order_acquire);
  SampleBuffer* buffer = g_buffer.load(std::memory_order_acquire);
  if (SentByProgram(info) || buffer == nullptr) {
    // Not profiling (any more), or the program's own signal: the program's.
    libcall::ForwardToProgram(SIGPROF, info, ucontext);
  } else if (uint64_t cpu_nanos = WeighProfSignal(info); cpu_nanos != 0) {
    RecordSampleFromContext(*buffer, ucontext, cpu_nanos);
  }
  g_in_flight.fetch_sub(1, std::memory_order_release);
  errno = saved_errno;
}

}  // namespace

void RecordSampleFromContext(SampleBuffer& buffer, const void* ucontext, uint64_t cpu_nanos) {
  SampleBuffer::Claim claim = buffer.TryClaim();
  if (claim.sample == nullptr) return;  // counted as lost by the buffer
  Sample& s = *claim.sample;
  s.reserved = 0;
  s.tid = CurrentThreadId();
  s.cpu_nanos = cpu_nanos;
  FillSampleStack(s, RegsFromUcontext(ucontext), ucontext);
  buffer.Commit(claim);
}

bool InstallProfSignalHandler() {
  PrepareLibcallReader();
  return libcall::OwnSignal(SIGPROF, OnProfSignal);
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
