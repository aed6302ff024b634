// Addresses of the real (next) definitions of the wrapped calls, resolved once
// with dlsym(RTLD_NEXT) before profiling starts so that no wrapper ever calls
// the dynamic linker while a sample can arrive.
#pragma once

#include <pthread.h>
#include <sys/types.h>

namespace lcprof::libcall {

struct NextSymbols {
  ssize_t (*read)(int, void*, size_t);
  ssize_t (*write)(int, const void*, size_t);
  pid_t (*getpid)();
  int (*usleep)(useconds_t);
  int (*pthread_create)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
};

// Resolves every entry that is still null. Idempotent; not async-signal-safe
// (dlsym may allocate): called from the library constructor and, should a
// wrapper run before it, from that wrapper.
void ResolveNextSymbols();

// The table, resolved on first use.
const NextSymbols& Next();

}  // namespace lcprof::libcall
