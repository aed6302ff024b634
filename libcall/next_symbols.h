// Addresses of the real (next) definitions of the wrapped calls, resolved once
// with dlsym(RTLD_NEXT) before profiling starts so that no wrapper ever calls
// the dynamic linker while a sample can arrive.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <atomic>

#include "lcprof/libcall_calls.h"
#include "libcall/redirected_calls.h"

namespace lcprof::libcall {

struct NextSymbols {
#define LCPROF_NEXT_FIELD(ret, name, params, args) ret(*name) params;
  LCPROF_FORWARDED_CALLS(LCPROF_NEXT_FIELD)
#undef LCPROF_NEXT_FIELD
  int (*open)(const char*, int, ...);
  int (*fcntl)(int, int, ...);
  void (*exit)(int);
  int (*sigaction)(int, const struct sigaction*, struct sigaction*);
  int (*pthread_create)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  int* (*errno_location)();
  // Entry points the headers redirect wrapped calls to (redirected_calls.h).
#define LCPROF_NEXT_REDIRECTED(ret, symbol, field, plain, params, args) ret(*field) params;
  LCPROF_REDIRECTED_FORWARDERS(LCPROF_NEXT_REDIRECTED)
#undef LCPROF_NEXT_REDIRECTED
  int (*open64)(const char*, int, ...);
  int (*open_2)(const char*, int);
  int (*open64_2)(const char*, int);
  int (*fcntl64)(int, int, ...);
};

// Resolves every entry. Idempotent; not async-signal-safe (dlsym may
// allocate): run by the library constructor and, should a wrapper run before
// it (another library's constructor), by that wrapper. Re-entered on the
// same thread (a wrapped call made from inside its dlsym, e.g. by an
// allocator), it fills the empty entries from libc's own symbol table
// instead (libc_symbols.h), so the inner call has its function and dlsym is
// never re-entered.
void ResolveNextSymbols();

// For tests: empties the table and resolves it again, with `lookup` in place
// of dlsym(RTLD_NEXT, name).
void ReresolveNextSymbolsForTest(void* (*lookup)(const char*));

// dlsym(RTLD_NEXT, name) from inside lcprof, for interposers outside the
// table (exec*). Not async-signal-safe.
void* ResolveNext(const char* name);

// (Named for assembly: the entry stubs of entry_stubs.h load it.)
extern NextSymbols g_next_symbols asm("lcprof_next_symbols");
extern std::atomic<bool> g_next_resolved;

// The table, resolved on first use. Inline: every wrapper reads it.
inline const NextSymbols& Next() {
  // (The flag is set once, before any sample can arrive; a wrapper that
  // runs before the library constructor resolves the table itself.)
  if (!g_next_resolved.load(std::memory_order_acquire)) [[unlikely]] {
    ResolveNextSymbols();
  }
  return g_next_symbols;
}

// One real function, resolved on first use: a wrapper's hot path loads only
// the pointer it calls (null until the table is resolved).
template <typename Fn>
inline Fn NextFunction(Fn NextSymbols::*slot) {
  Fn fn = std::atomic_ref<Fn>(g_next_symbols.*slot).load(std::memory_order_relaxed);
  if (fn == nullptr) [[unlikely]] {
    ResolveNextSymbols();
    fn = g_next_symbols.*slot;
  }
  return fn;
}

}  // namespace lcprof::libcall
