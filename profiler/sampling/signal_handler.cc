// The SIGPROF handler, a short fixed sequence:
//   save errno -> enter the recording path (armed?) -> weigh the signal ->
//   read the libcall record and the ucontext -> walk into a Sample on this
//   stack -> aggregate it into the stack table -> leave -> restore errno.
// Everything here is async-signal-safe: no allocation, locks, stdio or lazy
// binding (the library is linked with -z now); every stack read is bounded.
//
// Stopping safely. Disarm must be able to tell when no handler can touch the
// storage any more, so that the storage can be read with exact counts and
// then unmapped. g_recording counts the handlers inside the recording path,
// between EnterRecording and LeaveRecording, and nothing else:
//  - a signal forwarded to the program's own SIGPROF handler is forwarded
//    outside that path (that handler may leave by longjmp and never come back);
//  - the path calls no program code, and lcprof's handler runs with every
//    asynchronous signal blocked (libcall::OwnSignal), so no program handler
//    runs inside it either: nothing can leave it halfway;
//  - it never waits (the stack table is lock-free and wait-free), so a thread
//    inside it leaves as soon as it is scheduled.
// Disarm therefore waits for g_recording to reach 0 with no give-up bound,
// yielding between checks; it cannot hang, and it never abandons a handler
// that still writes. (Keeping the storage mapped for ever instead would still
// need this wait for exact counts, so the storage is simply freed after it.)
// The handshake: the handler increments g_recording, then loads g_storage;
// Disarm stores null, then loads g_recording; all four seq_cst, so either
// Disarm sees the handler counted or the handler sees null.
#include "profiler/sampling/signal_handler.h"

#include <link.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "libcall/signal_guard.h"
#include "libcall/signal_mask.h"
#include "profiler/base/platform.h"
#include "profiler/sampling/signal_weight.h"
#include "profiler/unwinding/libcall_reader.h"

namespace lcprof {
namespace {

std::atomic<SampleStorage*> g_storage{nullptr};  // armed storage; null: disarmed
std::atomic<int> g_recording{0};                 // handlers inside the recording path

// The storage to record into, with this handler counted in g_recording; or
// null (not counted) when disarmed. Signal-safe.
SampleStorage* EnterRecording() {
  g_recording.fetch_add(1, std::memory_order_seq_cst);
  SampleStorage* storage = g_storage.load(std::memory_order_seq_cst);
  if (storage == nullptr) g_recording.fetch_sub(1, std::memory_order_release);
  return storage;
}

// After a non-null EnterRecording. Signal-safe.
void LeaveRecording() { g_recording.fetch_sub(1, std::memory_order_release); }

// A SIGPROF sent with kill/tgkill/sigqueue (si_code <= 0), or by the
// program's own ITIMER_PROF (SI_KERNEL while the program owns it) or
// timer_create timer (SI_TIMER without lcprof's tag): not one of lcprof's
// own timer or handshake signals (signal_weight.h tells them apart).
bool SentByOthers(const siginfo_t* info) { return info != nullptr && !SentByLcprof(info); }

// Such a signal is the program's, not a sample: it goes where the program's
// view of its masks sends it (libcall/signal_mask.h: its handler, a sigwait
// thread, or deferred while its view blocks it). Without a program handler
// or waiter it is sampled rather than left to the default action, which
// would kill the program. Once disarmed, lcprof's own signals (still
// pending from its timers) are dropped: they are no business of the
// program's SIGPROF handler.
void OnProfSignal(int /*sig*/, siginfo_t* info, void* ucontext) {
  const int saved_errno = errno;
  if (SentByOthers(info) && libcall::TakeProgramSignal(SIGPROF, info, ucontext)) {
    errno = saved_errno;
    return;
  }
  SampleStorage* storage = EnterRecording();
  if (storage == nullptr) {
    if (SentByOthers(info)) libcall::ForwardToProgram(SIGPROF, info, ucontext);
  } else {
    if (uint64_t cpu_nanos = WeighProfSignal(info); cpu_nanos != 0) {
      RecordSampleFromContext(*storage, ucontext, cpu_nanos);
    }
    LeaveRecording();
  }
  errno = saved_errno;
}

}  // namespace

void RecordSampleFromContext(SampleStorage& storage, const void* ucontext, uint64_t cpu_nanos) {
  Sample s;  // about 2 KiB of this stack: the table copies what it keeps
  s.reserved = 0;
  s.tid = CurrentThreadId();
  s.cpu_nanos = cpu_nanos;
  FillSampleStack(s, RegsFromUcontext(ucontext), ucontext);
  storage.stacks.Add(s);
  storage.thread_names.Note(s.tid);
}

namespace {

// The executable segment of the object this code is in (liblcprof.so, or
// the program lcprof is linked into statically), learned at install.
uintptr_t g_own_code_lo = 0, g_own_code_hi = 0;

int FindOwnCode(dl_phdr_info* info, size_t, void*) {
  const auto self = reinterpret_cast<uintptr_t>(&FindOwnCode);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
    const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    if (self >= lo && self < lo + ph.p_memsz) {
      g_own_code_lo = lo;
      g_own_code_hi = lo + ph.p_memsz;
      return 1;
    }
  }
  return 0;
}

bool InOwnCode(uintptr_t pc) { return pc >= g_own_code_lo && pc < g_own_code_hi; }

// Runs `record(storage)` in the handler's conditions: no signal handler may
// run inside the counted path (the real handler runs with the same set
// blocked).
template <typename Record>
void RecordOutsideHandler(Record record) {
  sigset_t all, old;
  libcall::FillAsynchronousSignals(&all);
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, &old, _NSIG / 8);
  if (SampleStorage* storage = EnterRecording()) {
    record(*storage);
    LeaveRecording();
  }
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, nullptr, _NSIG / 8);
}

}  // namespace

void RecordSampleOutsideHandler(const void* ucontext, uint64_t cpu_nanos) {
  RecordOutsideHandler(
      [&](SampleStorage& storage) { RecordSampleFromContext(storage, ucontext, cpu_nanos); });
}

void RecordUnsampledCpu(const void* ucontext, uint64_t cpu_nanos) {
  RecordOutsideHandler([&](SampleStorage& storage) {
    Sample s;
    s.reserved = 0;
    s.tid = CurrentThreadId();
    s.cpu_nanos = cpu_nanos;
    FillSampleStack(s, RegsFromUcontext(ucontext), ucontext);
    uint32_t own = 0;
    while (own < s.depth && InOwnCode(s.frames[own])) ++own;
    // frames[own - 1] becomes the pseudo-frame; the callers below stay.
    const uint32_t from = own == 0 ? 0 : own - 1;
    s.frames[0] = kFrameUnsampled;
    for (uint32_t i = from + 1; i < s.depth; ++i) s.frames[i - from] = s.frames[i];
    s.depth = s.depth == 0 ? 1 : s.depth - from;
    s.marks = 0;  // (the exit path's libcall records are lcprof's)
    storage.stacks.Add(s);
    storage.thread_names.Note(s.tid);
  });
}

bool InstallProfSignalHandler() {
  PrepareLibcallReader();
  libcall::SetOwnSignalTest(SentByLcprof);
  if (g_own_code_hi == 0) dl_iterate_phdr(FindOwnCode, nullptr);
  return libcall::OwnSignal(SIGPROF, OnProfSignal);
}

void ArmProfSignalHandler(SampleStorage* storage) {
  g_storage.store(storage, std::memory_order_seq_cst);
}

void DisarmProfSignalHandler() {
  g_storage.store(nullptr, std::memory_order_seq_cst);
  // No give-up bound: see the file comment for why this ends.
  while (g_recording.load(std::memory_order_seq_cst) != 0) sched_yield();
}

void ResetProfSignalHandlerAfterFork() {
  g_storage.store(nullptr, std::memory_order_relaxed);
  g_recording.store(0, std::memory_order_relaxed);
}

}  // namespace lcprof
