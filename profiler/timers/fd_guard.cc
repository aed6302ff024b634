// The descriptor guard; see fd_guard.h.
//
// The guarded set is a bitmap over descriptor numbers below kMaxGuardedFd
// (the kernel's default nr_open): set and cleared by the perf engine as it
// opens and closes counters, read by every close of the program, so a test
// is one relaxed load. The program's calls go to the kernel by raw system
// calls (glibc's close_range, dup2 and dup3 are plain system call wrappers;
// its closefrom is close_range with a fallback), except close, which keeps
// going through libc's (its cancellation point).
#include "profiler/timers/fd_guard.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>

#include "libcall/next_symbols.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace lcprof {
namespace {

constexpr int kMaxGuardedFd = 1 << 20;
std::atomic<uint64_t> g_bits[kMaxGuardedFd / 64];
std::atomic<int> g_max_guarded{-1};  // highest number ever guarded: the scans' bound
std::atomic<int (*)(int)> g_mover{nullptr};

using CloseFn = int (*)(int);
CloseFn g_real_close = nullptr;  // libc's, saved when the guard is put in front

long RawCloseRange(unsigned first, unsigned last, unsigned flags) {
  return syscall(SYS_close_range, first, last, flags);
}

// The guarded descriptors in [from, to], ascending: the first at or after
// `from`, or -1.
int NextGuarded(long from, long to) {
  const long bound = g_max_guarded.load(std::memory_order_acquire);
  if (to > bound) to = bound;
  for (long fd = from < 0 ? 0 : from; fd <= to;) {
    const uint64_t word = g_bits[fd / 64].load(std::memory_order_relaxed) >> (fd % 64);
    if (word != 0) return static_cast<int>(fd + __builtin_ctzll(word));
    fd = (fd / 64 + 1) * 64;
  }
  return -1;
}

// Puts the guard in front of libc's close in the forwarder's table, at load
// (before an LCPROF_LIBCALLS selection copies the pointer).
int GuardedClose(int fd) { return ProgramClose(fd); }
__attribute__((constructor(102))) void InstallCloseGuard() {
  libcall::ResolveNextSymbols();
  auto& slot = libcall::g_next_symbols.close;
  if (slot == nullptr || slot == GuardedClose) return;
  g_real_close = slot;
  std::atomic_ref<CloseFn>(slot).store(GuardedClose, std::memory_order_release);
}

}  // namespace

void GuardFd(int fd) {
  if (fd < 0 || fd >= kMaxGuardedFd) return;
  g_bits[fd / 64].fetch_or(uint64_t{1} << (fd % 64), std::memory_order_release);
  int max = g_max_guarded.load(std::memory_order_relaxed);
  while (fd > max && !g_max_guarded.compare_exchange_weak(max, fd, std::memory_order_release)) {
  }
}

void UnguardFd(int fd) {
  if (fd < 0 || fd >= kMaxGuardedFd) return;
  g_bits[fd / 64].fetch_and(~(uint64_t{1} << (fd % 64)), std::memory_order_release);
}

bool IsGuardedFd(int fd) {
  if (fd < 0 || fd >= kMaxGuardedFd) return false;
  return (g_bits[fd / 64].load(std::memory_order_acquire) >> (fd % 64)) & 1;
}

void SetGuardedFdMover(int (*move)(int fd)) { g_mover.store(move, std::memory_order_release); }

int ProgramClose(int fd) {
  if (IsGuardedFd(fd)) {
    errno = EBADF;  // the number would not be open without lcprof
    return -1;
  }
  if (g_real_close != nullptr) return g_real_close(fd);
  return static_cast<int>(syscall(SYS_close, fd));
}

int ProgramCloseRange(unsigned first, unsigned last, int flags) {
  const auto uflags = static_cast<unsigned>(flags);
  if (first > last || (uflags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) != 0 ||
      NextGuarded(first, last) < 0) {
    return static_cast<int>(RawCloseRange(first, last, uflags));  // the kernel's answer
  }
  // The range in pieces around lcprof's descriptors. UNSHARE takes effect
  // with the first piece; later pieces act on the now private table.
  unsigned todo = uflags;
  long lo = first;
  for (int g = NextGuarded(lo, last); g >= 0; g = NextGuarded(lo, last)) {
    if (g > lo) {
      if (RawCloseRange(static_cast<unsigned>(lo), static_cast<unsigned>(g - 1), todo) != 0) {
        return -1;
      }
      todo &= ~CLOSE_RANGE_UNSHARE;
    }
    lo = static_cast<long>(g) + 1;
  }
  if (lo <= static_cast<long>(last)) {
    return static_cast<int>(RawCloseRange(static_cast<unsigned>(lo), last, todo));
  }
  if ((todo & CLOSE_RANGE_UNSHARE) != 0) return static_cast<int>(syscall(SYS_unshare, CLONE_FILES));
  return 0;
}

void ProgramCloseFrom(int lowfd) {
  const int low = lowfd < 0 ? 0 : lowfd;
  if (ProgramCloseRange(static_cast<unsigned>(low), UINT_MAX, 0) == 0) return;
  // No close_range (kernels before 5.9): one by one, up to the limit.
  rlimit lim{};
  long top = 65536;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    top = static_cast<long>(lim.rlim_cur);
  }
  for (long fd = low; fd < top; ++fd) {
    if (!IsGuardedFd(static_cast<int>(fd))) syscall(SYS_close, fd);
  }
}

int ProgramDup3(int oldfd, int newfd, int flags, bool is_dup2) {
  if (IsGuardedFd(oldfd)) {
    errno = EBADF;
    return -1;
  }
  if (oldfd == newfd) {
    if (!is_dup2) return static_cast<int>(syscall(SYS_dup3, oldfd, newfd, flags));  // EINVAL
    return syscall(SYS_fcntl, oldfd, F_GETFD) < 0 ? -1 : newfd;
  }
  bool moved = false;
  if (IsGuardedFd(newfd)) {
    int (*move)(int) = g_mover.load(std::memory_order_acquire);
    if (move == nullptr || move(newfd) != 0) {
      errno = EBUSY;  // what dup2 answers when it races an open of newfd
      return -1;
    }
    moved = true;
  }
  const long rc = syscall(SYS_dup3, oldfd, newfd, flags);
  if (rc < 0 && moved) {
    // The number was lcprof's duplicate, left open for the replacement;
    // without lcprof it would not be open at all.
    const int saved = errno;
    syscall(SYS_close, newfd);
    errno = saved;
  }
  return static_cast<int>(rc);
}

}  // namespace lcprof
