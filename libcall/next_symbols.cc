// Resolution of the real definitions behind lcprof's wrappers.
#include "libcall/next_symbols.h"

#include <dlfcn.h>

#include <atomic>

#include "libcall/libc_symbols.h"

namespace lcprof::libcall {
namespace {

using Lookup = void* (*)(const char*);

void* LookUpNext(const char* name) { return dlsym(RTLD_NEXT, name); }

template <typename Fn>
void ResolveOne(Fn*& slot, const char* name, Lookup lookup) {
  if (slot == nullptr) slot = reinterpret_cast<Fn*>(lookup(name));
}

// Fills every empty slot through `lookup`.
void ResolveAll(Lookup lookup) {
#define LCPROF_RESOLVE(ret, name, params, args) ResolveOne(g_next_symbols.name, #name, lookup);
  LCPROF_FORWARDED_CALLS(LCPROF_RESOLVE)
#undef LCPROF_RESOLVE
  ResolveOne(g_next_symbols.open, "open", lookup);
  ResolveOne(g_next_symbols.fcntl, "fcntl", lookup);
  ResolveOne(g_next_symbols.exit, "exit", lookup);
  ResolveOne(g_next_symbols.sigaction, "sigaction", lookup);
  ResolveOne(g_next_symbols.pthread_create, "pthread_create", lookup);
  ResolveOne(g_next_symbols.errno_location, "__errno_location", lookup);
#define LCPROF_RESOLVE_REDIRECTED(ret, symbol, field, plain, params, args) \
  ResolveOne(g_next_symbols.field, #symbol, lookup);
  LCPROF_REDIRECTED_FORWARDERS(LCPROF_RESOLVE_REDIRECTED)
#undef LCPROF_RESOLVE_REDIRECTED
#define LCPROF_RESOLVE_HANDWRITTEN(symbol, field, plain) \
  ResolveOne(g_next_symbols.field, #symbol, lookup);
  LCPROF_REDIRECTED_HANDWRITTEN(LCPROF_RESOLVE_HANDWRITTEN)
#undef LCPROF_RESOLVE_HANDWRITTEN
}

// Set while this thread runs the dlsym pass. A failed dlsym allocates (its
// error message), and an allocator may call a wrapped function (mmap, a
// mutex), whose wrapper, finding its slot empty, comes back here: it must
// neither start the dlsym pass again (an endless recursion, or a deadlock
// on the allocator's own lock) nor go without its function.
__attribute__((tls_model("initial-exec"))) __thread bool t_resolving;

void ResolveWith(Lookup lookup) {
  if (g_next_resolved.load(std::memory_order_acquire)) return;
  if (t_resolving) {
    // Re-entered: libc's own definitions, found without dlsym. (They skip
    // an interposer between lcprof and libc, for the slots filled here.)
    ResolveAll(LookUpLibcSymbol);
    return;
  }
  t_resolving = true;
  ResolveAll(lookup);
  t_resolving = false;
  g_next_resolved.store(true, std::memory_order_release);
}

}  // namespace

NextSymbols g_next_symbols;
std::atomic<bool> g_next_resolved{false};

void* ResolveNext(const char* name) { return dlsym(RTLD_NEXT, name); }

// dlsym(RTLD_NEXT), or what a test puts in its place.
Lookup g_lookup = LookUpNext;

void ResolveNextSymbols() { ResolveWith(g_lookup); }

void ReresolveNextSymbolsForTest(void* (*lookup)(const char*)) {
  g_next_symbols = NextSymbols{};
  g_next_resolved.store(false, std::memory_order_release);
  g_lookup = lookup;
  ResolveWith(lookup);
  g_lookup = LookUpNext;
}

__attribute__((constructor(101))) static void ResolveAtLoad() { ResolveNextSymbols(); }

}  // namespace lcprof::libcall
