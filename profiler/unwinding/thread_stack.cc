// Storage for per-thread stack bounds and the handshake that gives them to
// threads no hook ran on; see thread_stack.h.
//
// Handshake table: one entry per asked thread, reused by later rounds. An
// entry's `state` moves kAsked -> (handler) kSp | kKnown -> (control)
// kBoundsReady -> (handler) kStored, each step a release store read with
// acquire. Each signal carries (round, index); a handler whose round no
// longer matches the entry's does nothing, so a signal delivered late
// (SIGPROF blocked for a while) never writes into a newer round.
#include "profiler/unwinding/thread_stack.h"

#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <vector>

#include "libcall/signal_guard.h"
#include "profiler/base/platform.h"
#include "profiler/base/proc_maps.h"

namespace lcprof {
namespace {
__attribute__((tls_model("initial-exec"))) thread_local StackBounds t_stack;

constexpr uint64_t kProbeTag = 0x4c43ull << 48;  // "LC": in the signal's si_value
constexpr uint64_t kTagMask = 0xffffull << 48;
constexpr int kProbeErrno = 0x4c435354;  // "LCST": in si_errno
constexpr int kMaxProbes = 1024;
enum ProbeState : uint32_t { kIdle, kAsked, kSp, kKnown, kBoundsReady, kStored, kDeclined };
enum ProbeStep : uint64_t { kAskSp = 1, kTakeBounds = 2 };

struct ProbeEntry {
  uint32_t round;    // atomic_ref; set by the control thread before a signal
  uint32_t state;    // atomic_ref
  uintptr_t sp;      // written by the handler before kSp
  uintptr_t tp;      // the thread pointer (pthread_self), with sp
  uintptr_t lo, hi;  // written by the control thread before kBoundsReady
};
ProbeEntry g_probes[kMaxProbes];
uint32_t g_round = 0;  // control path only (StartProfiling is serialised)

uint32_t LoadU32(uint32_t& v) {
  return std::atomic_ref<uint32_t>(v).load(std::memory_order_acquire);
}
void StoreU32(uint32_t& v, uint32_t x) {
  std::atomic_ref<uint32_t>(v).store(x, std::memory_order_release);
}

bool OnAlternateSignalStack() {
  stack_t ss{};
  return syscall(SYS_sigaltstack, nullptr, &ss) == 0 && (ss.ss_flags & SS_ONSTACK) != 0;
}

bool SendProbe(pid_t tid, uint64_t step, uint32_t round, int index) {
  siginfo_t si{};
  si.si_signo = SIGPROF;
  si.si_code = SI_QUEUE;
  si.si_errno = kProbeErrno;
  si.si_pid = getpid();
  si.si_uid = getuid();
  const uint64_t value = kProbeTag | (step << 40) | (static_cast<uint64_t>(round & 0xffffu) << 16) |
                         static_cast<uint64_t>(index);
  si.si_value.sival_ptr = reinterpret_cast<void*>(value);
  return syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, SIGPROF, &si) == 0;
}

std::vector<pid_t> OtherThreads() {
  std::vector<pid_t> tids;
  const pid_t self = CurrentThreadId();
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* e = readdir(dir)) {
      const long tid = std::strtol(e->d_name, nullptr, 10);
      if (tid > 0 && tid != self) tids.push_back(static_cast<pid_t>(tid));
    }
    closedir(dir);
  }
  return tids;
}

// Waits until no entry in [0, n) is in state `pending`, or the deadline.
void WaitWhile(int n, uint32_t pending, int64_t deadline_nanos) {
  for (;;) {
    bool waiting = false;
    for (int i = 0; i < n && !waiting; ++i) waiting = LoadU32(g_probes[i].state) == pending;
    if (!waiting || WallTimeNanos() >= deadline_nanos) return;
    usleep(1000);
  }
}

}  // namespace

bool ProbedStackBounds(const MemoryMapping& m, uintptr_t sp, uintptr_t tp, StackBounds* out) {
  if (!m.readable || !m.writable || sp < m.start || sp >= m.end) return false;
  if (m.path == "[stack]") {  // the main thread's own, grown down by the kernel
    *out = StackBounds{m.start, m.end};
    return true;
  }
  if (tp > sp && tp <= m.end) {
    // glibc puts a thread's descriptor (the thread pointer) and static TLS at
    // the top of the block its stack lives in, the stack right below them:
    // no frame lies at or above tp. Below, the guard page (a mapping of its
    // own) ends the mapping; without one, what lies under the stack is never
    // read, since every walk reads upward from the interrupted sp.
    *out = StackBounds{m.start, tp};
    return true;
  }
  // A stack without the thread's descriptor on top: a clone() thread's
  // malloc'd stack, a fiber's, or anonymous memory merged with others in
  // /proc/self/maps. Nothing says where it ends or how long it stays
  // mapped, so the thread gets no bounds (its samples say so) rather than
  // bounds a walk could fault in.
  return false;
}

StackBounds ThisThreadStack() { return t_stack; }

void InitThisThreadStack() {
  uintptr_t lo = 0, hi = 0;
  if (QueryThisThreadStack(&lo, &hi)) t_stack = StackBounds{lo, hi};
}

bool IsStackProbeSignal(const siginfo_t* info) {
  return info->si_code == SI_QUEUE && info->si_errno == kProbeErrno &&
         (reinterpret_cast<uint64_t>(info->si_value.sival_ptr) & kTagMask) == kProbeTag;
}

bool HandleStackProbeSignal(const siginfo_t* info) {
  if (!IsStackProbeSignal(info)) return false;
  const auto value = reinterpret_cast<uint64_t>(info->si_value.sival_ptr);
  const auto index = static_cast<int>(value & 0xffffu);
  const auto round = static_cast<uint32_t>((value >> 16) & 0xffffu);
  const uint64_t step = (value >> 40) & 0xffu;
  if (index >= kMaxProbes) return true;
  ProbeEntry& e = g_probes[index];
  if ((LoadU32(e.round) & 0xffffu) != round) return true;  // a late signal of an old round
  // The handler runs on the interrupted stack (SIGPROF has no SA_ONSTACK),
  // unless that stack is an alternate signal stack.
  const auto sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (step == kAskSp && LoadU32(e.state) == kAsked) {
    if (t_stack.hi != 0 || OnAlternateSignalStack()) {
      StoreU32(e.state, kKnown);
    } else {
      e.sp = sp;
      e.tp = reinterpret_cast<uintptr_t>(__builtin_thread_pointer());
      StoreU32(e.state, kSp);
    }
  } else if (step == kTakeBounds && LoadU32(e.state) == kBoundsReady) {
    const StackBounds b{e.lo, e.hi};
    if (t_stack.hi == 0 && b.Contains(sp) && (LoadU32(e.round) & 0xffffu) == round) {
      t_stack.lo = b.lo;
      std::atomic_signal_fence(std::memory_order_release);  // hi != 0 means lo is set
      t_stack.hi = b.hi;
      StoreU32(e.state, kStored);
    } else {
      StoreU32(e.state, kDeclined);
    }
  }
  return true;
}

int LearnOtherThreadStacks(int timeout_ms) {
  if (libcall::ProgramHandlesSignal(SIGPROF)) return 0;
  const std::vector<pid_t> tids = OtherThreads();
  const int n = static_cast<int>(tids.size() < kMaxProbes ? tids.size() : kMaxProbes);
  if (n == 0) return 0;
  const uint32_t round = ++g_round & 0xffffu;
  const int64_t deadline = WallTimeNanos() + static_cast<int64_t>(timeout_ms) * 1000000;
  for (int i = 0; i < n; ++i) {
    StoreU32(g_probes[i].round, round);  // first: a late signal of the old round now misses
    StoreU32(g_probes[i].state, kAsked);
    if (!SendProbe(tids[i], kAskSp, round, i)) StoreU32(g_probes[i].state, kIdle);
  }
  WaitWhile(n, kAsked, deadline);
  const std::vector<MemoryMapping> maps = ReadProcMaps();
  int sent = 0;
  for (int i = 0; i < n; ++i) {
    ProbeEntry& e = g_probes[i];
    if (LoadU32(e.state) != kSp) continue;
    for (const MemoryMapping& m : maps) {
      if (e.sp < m.start || e.sp >= m.end) continue;
      StackBounds b;
      if (!ProbedStackBounds(m, e.sp, e.tp, &b)) break;
      e.lo = b.lo;
      e.hi = b.hi;
      StoreU32(e.state, kBoundsReady);
      if (SendProbe(tids[i], kTakeBounds, round, i)) {
        ++sent;
      } else {
        StoreU32(e.state, kIdle);
      }
      break;
    }
  }
  if (sent == 0) return 0;
  WaitWhile(n, kBoundsReady, deadline + 50 * 1000000);
  int stored = 0;
  for (int i = 0; i < n; ++i) stored += LoadU32(g_probes[i].state) == kStored ? 1 : 0;
  return stored;
}

}  // namespace lcprof
