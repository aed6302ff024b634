// Resolution of the real definitions behind lcprof's interposers.
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
  ResolveOne(g_next.read, "read");
  ResolveOne(g_next.write, "write");
  ResolveOne(g_next.getpid, "getpid");
  ResolveOne(g_next.usleep, "usleep");
  ResolveOne(g_next.pthread_create, "pthread_create");
  g_resolved.store(true, std::memory_order_release);
}

const NextSymbols& Next() {
  if (!g_resolved.load(std::memory_order_acquire)) ResolveNextSymbols();
  return g_next;
}

__attribute__((constructor(101))) static void ResolveAtLoad() { ResolveNextSymbols(); }

}  // namespace lcprof::libcall
