// Storage of the thread hooks; see thread_hooks.h.
#include "libcall/thread_hooks.h"

#include <atomic>

namespace lcprof::libcall {
namespace {
std::atomic<void (*)()> g_on_start{nullptr};
std::atomic<void (*)()> g_on_exit{nullptr};
}  // namespace

void SetThreadHooks(const ThreadHooks& hooks) {
  g_on_start.store(hooks.on_thread_start, std::memory_order_release);
  g_on_exit.store(hooks.on_thread_exit, std::memory_order_release);
}

void RunThreadStartHook() {
  if (auto* f = g_on_start.load(std::memory_order_acquire)) f();
}

void RunThreadExitHook() {
  if (auto* f = g_on_exit.load(std::memory_order_acquire)) f();
}

}  // namespace lcprof::libcall
