// Entry points that glibc's headers send a wrapped call to instead of its
// plain name. A program built the way distributions build packages
// (-D_FORTIFY_SOURCE=2/3, -D_FILE_OFFSET_BITS=64) never references `read`,
// `open`, `mmap` or `fcntl`: it calls __read_chk, open64, __open_2,
// __open64_2, mmap64 and fcntl64. Each is wrapped like the plain call and
// records under the plain call's LibcallId, so it is selected with the same
// LCPROF_LIBCALLS name and shows under the same leaf name.
//
// The list is complete for glibc 2.36 on x86-64 (enumerated from the
// headers' __REDIRECT declarations and the fortify wrappers in bits/ for every
// call in LCPROF_LIBCALLS; docs/libcall.md). Other redirects in those headers
// do not apply here: the time64 ones (__clock_gettime64, ...) exist only
// where time_t is 32 bits, __openat*_2 and the other __*_chk functions
// belong to calls lcprof does not wrap, and __sysv_signal (signal() under a
// strict -std=c11) is the signal guard's.
#pragma once

#include <sys/mman.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

// Redirected entry points whose wrapper only forwards (their arguments
// travel unchanged to the real definition of the same name):
// X(return type, symbol, NextSymbols field, plain call, (parameters), (arguments))
#define LCPROF_REDIRECTED_FORWARDERS(X)                                                            \
  X(ssize_t, __read_chk, read_chk, read, (int fd, void* buf, size_t count, size_t buflen),         \
    (fd, buf, count, buflen))                                                                      \
  X(void*, mmap64, mmap64, mmap, (void* addr, size_t len, int prot, int flags, int fd, off_t off), \
    (addr, len, prot, flags, fd, off))

// The hand-written ones (variadic or checking their arguments), in
// wrappers_linux.cc: X(symbol, NextSymbols field, plain call).
#define LCPROF_REDIRECTED_HANDWRITTEN(X) \
  X(open64, open64, open)                \
  X(__open_2, open_2, open)              \
  X(__open64_2, open64_2, open)          \
  X(fcntl64, fcntl64, fcntl)

namespace lcprof::libcall {

// Index of a redirected forwarder's word in g_libcall_bypass, after the
// plain calls' words (libcall_id.h).
enum class RedirectedForwarder : uint32_t {
#define LCPROF_REDIRECTED_ENUM(ret, symbol, field, plain, params, args) k_##field,
  LCPROF_REDIRECTED_FORWARDERS(LCPROF_REDIRECTED_ENUM)
#undef LCPROF_REDIRECTED_ENUM
      kCount
};

}  // namespace lcprof::libcall
