// Names of the calls lcprof routes through the libcall contract: the table of
// ../shared/docs/libcall-contract.md, with Linux equivalents. A sample taken
// under a record carries the id of the call that recorded, so the pprof writer
// can name it even when the interrupted pc is in an unnamed libc helper.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "libcall/redirected_calls.h"

namespace lcprof::libcall {

// X(name): one entry per wrapped call, in the order of the contract's table.
#define LCPROF_LIBCALLS(X)       \
  X(pthread_attr_init)           \
  X(pthread_attr_setstacksize)   \
  X(pthread_attr_setdetachstate) \
  X(pthread_create)              \
  X(exit)                        \
  X(raise)                       \
  X(open)                        \
  X(close)                       \
  X(read)                        \
  X(write)                       \
  X(mmap)                        \
  X(munmap)                      \
  X(madvise)                     \
  X(__errno_location)            \
  X(usleep)                      \
  X(gettimeofday)                \
  X(clock_getres)                \
  X(clock_gettime)               \
  X(sigaction)                   \
  X(pthread_sigmask)             \
  X(sigaltstack)                 \
  X(getpid)                      \
  X(kill)                        \
  X(setitimer)                   \
  X(sysconf)                     \
  X(fcntl)                       \
  X(epoll_create1)               \
  X(epoll_ctl)                   \
  X(epoll_wait)                  \
  X(pthread_mutex_init)          \
  X(pthread_mutex_lock)          \
  X(pthread_mutex_unlock)        \
  X(pthread_cond_init)           \
  X(pthread_cond_wait)           \
  X(pthread_cond_signal)         \
  X(pthread_cond_timedwait)

enum class LibcallId : uint32_t {
  kNone = 0,
#define LCPROF_LIBCALL_ENUM(name) k_##name,
  LCPROF_LIBCALLS(LCPROF_LIBCALL_ENUM)
#undef LCPROF_LIBCALL_ENUM
      kCount
};

// "read", "write", ...; "" for kNone or out-of-range values.
const char* LibcallName(LibcallId id);

// Which wrapped calls publish a record (LCPROF_LIBCALLS), as one word per
// call: 0 when the call records (the default: zero-initialised storage means
// "all selected" before any constructor runs); otherwise the address the
// wrapper jumps to without recording: the real function for calls whose
// wrapper only forwards (their whole cost is then one load and a tail
// jump), 1 for the hand-written wrappers. Written on the control path, read
// by every wrapper: relaxed atomics.
// The words after kCount are the redirected forwarders' (redirected_calls.h):
// each follows its plain call's selection but jumps to its own real function.
inline constexpr size_t kBypassWords =
    static_cast<size_t>(LibcallId::kCount) + static_cast<size_t>(RedirectedForwarder::kCount);
// (Named for assembly: the entry stubs of entry_stubs.h load it.)
extern std::atomic<uintptr_t> g_libcall_bypass[kBypassWords] asm("lcprof_libcall_bypass");
inline constexpr size_t BypassIndex(LibcallId id) { return static_cast<size_t>(id); }
inline constexpr size_t BypassIndex(RedirectedForwarder f) {
  return static_cast<size_t>(LibcallId::kCount) + static_cast<size_t>(f);
}
inline bool LibcallEnabled(LibcallId id) {  // signal-safe
  return g_libcall_bypass[BypassIndex(id)].load(std::memory_order_relaxed) == 0;
}

// Applies "all", "none" or a comma list of names. Unknown names are listed in
// *unknown (comma-separated) and ignored; the valid ones still apply.
// Control path. Returns false when any name was unknown.
bool ConfigureLibcalls(const std::string& selection, std::string* unknown);

}  // namespace lcprof::libcall
