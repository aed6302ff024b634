// Resolution of the real definitions behind lcprof's wrappers.
#include "libcall/next_symbols.h"

#include <dlfcn.h>

#include <atomic>

namespace lcprof::libcall {
namespace {

template <typename Fn>
void ResolveOne(Fn*& slot, const char* name) {
  if (slot == nullptr) slot = reinterpret_cast<Fn*>(dlsym(RTLD_NEXT, name));
}

}  // namespace

NextSymbols g_next_symbols;
std::atomic<bool> g_next_resolved{false};

void* ResolveNext(const char* name) { return dlsym(RTLD_NEXT, name); }

void ResolveNextSymbols() {
  if (g_next_resolved.load(std::memory_order_acquire)) return;
#define LCPROF_RESOLVE(ret, name, params, args) ResolveOne(g_next_symbols.name, #name);
  LCPROF_FORWARDED_CALLS(LCPROF_RESOLVE)
#undef LCPROF_RESOLVE
  ResolveOne(g_next_symbols.open, "open");
  ResolveOne(g_next_symbols.fcntl, "fcntl");
  ResolveOne(g_next_symbols.exit, "exit");
  ResolveOne(g_next_symbols.sigaction, "sigaction");
  ResolveOne(g_next_symbols.pthread_create, "pthread_create");
  ResolveOne(g_next_symbols.errno_location, "__errno_location");
#define LCPROF_RESOLVE_REDIRECTED(ret, symbol, field, plain, params, args) \
  ResolveOne(g_next_symbols.field, #symbol);
  LCPROF_REDIRECTED_FORWARDERS(LCPROF_RESOLVE_REDIRECTED)
#undef LCPROF_RESOLVE_REDIRECTED
#define LCPROF_RESOLVE_HANDWRITTEN(symbol, field, plain) ResolveOne(g_next_symbols.field, #symbol);
  LCPROF_REDIRECTED_HANDWRITTEN(LCPROF_RESOLVE_HANDWRITTEN)
#undef LCPROF_RESOLVE_HANDWRITTEN
  g_next_resolved.store(true, std::memory_order_release);
}

__attribute__((constructor(101))) static void ResolveAtLoad() { ResolveNextSymbols(); }

}  // namespace lcprof::libcall
