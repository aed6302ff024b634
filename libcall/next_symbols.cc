// Resolution of the real definitions behind lcprof's wrappers.
#include "libcall/next_symbols.h"

#include <dlfcn.h>

#include <atomic>

namespace lcprof::libcall {
namespace {

NextSymbols g_next;
std::atomic<bool> g_resolved{false};

template <typename Fn>
void ResolveOne(Fn*& slot, const char* name) {
  if (slot == nullptr) slot = reinterpret_cast<Fn*>(dlsym(RTLD_NEXT, name));
}

}  // namespace

void ResolveNextSymbols() {
  if (g_resolved.load(std::memory_order_acquire)) return;
#define LCPROF_RESOLVE(ret, name, params, args) ResolveOne(g_next.name, #name);
  LCPROF_FORWARDED_CALLS(LCPROF_RESOLVE)
#undef LCPROF_RESOLVE
  ResolveOne(g_next.open, "open");
  ResolveOne(g_next.fcntl, "fcntl");
  ResolveOne(g_next.exit, "exit");
  ResolveOne(g_next.sigaction, "sigaction");
  ResolveOne(g_next.pthread_create, "pthread_create");
  ResolveOne(g_next.errno_location, "__errno_location");
  g_resolved.store(true, std::memory_order_release);
}

const NextSymbols& Next() {
  if (!g_resolved.load(std::memory_order_acquire)) [[unlikely]]
    ResolveNextSymbols();
  return g_next;
}

__attribute__((constructor(101))) static void ResolveAtLoad() { ResolveNextSymbols(); }

}  // namespace lcprof::libcall
