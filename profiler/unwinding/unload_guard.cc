// The walker/dlclose handshake; see unload_guard.h for the protocol.
#include "profiler/unwinding/unload_guard.h"

#include <pthread.h>
#include <sched.h>

#include <atomic>

#include "profiler/unwinding/frame_rule_cache.h"

namespace lcprof {
namespace {

std::atomic<int> g_walkers{0};
std::atomic<int> g_unloaders{0};
// Walks in progress on this thread (a handler's walk may interrupt another
// of the same thread's walks only through a nested signal).
__attribute__((tls_model("initial-exec"))) thread_local int t_walks;

}  // namespace

WalkGuard::WalkGuard() {
  ++t_walks;
  g_walkers.fetch_add(1, std::memory_order_seq_cst);
  readable_ = g_unloaders.load(std::memory_order_seq_cst) == 0;
}

WalkGuard::~WalkGuard() {
  g_walkers.fetch_sub(1, std::memory_order_seq_cst);
  --t_walks;
}

void PrepareUnloadGuard() {
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr, [] {
      g_walkers.store(t_walks, std::memory_order_seq_cst);
      g_unloaders.store(0, std::memory_order_seq_cst);
    });
    return true;
  }();
  (void)registered;
}

void BeginModuleUnload() {
  g_unloaders.fetch_add(1, std::memory_order_seq_cst);
  if (t_walks != 0) return;
  while (g_walkers.load(std::memory_order_seq_cst) != 0) sched_yield();
}

void EndModuleUnload() {
  // No walker reads the cache while unloaders != 0: clearing is safe here.
  if (FrameRuleCache* cache = SharedFrameRuleCache()) cache->Clear();
  g_unloaders.fetch_sub(1, std::memory_order_seq_cst);
}

}  // namespace lcprof
