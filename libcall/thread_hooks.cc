// Storage of the thread and exec hooks; see thread_hooks.h and exec_hooks.h.
#include "libcall/thread_hooks.h"

#include <atomic>

#include "libcall/exec_hooks.h"

namespace lcprof::libcall {
namespace {
std::atomic<void (*)()> g_on_start{nullptr};
std::atomic<void (*)()> g_on_exit{nullptr};
std::atomic<void (*)()> g_before_exec{nullptr};
std::atomic<void (*)()> g_after_failed_exec{nullptr};
std::atomic<void (*)()> g_before_quick_exit{nullptr};
}  // namespace

void SetExecHooks(const ExecHooks& hooks) {
  g_before_exec.store(hooks.before_exec, std::memory_order_release);
  g_after_failed_exec.store(hooks.after_failed_exec, std::memory_order_release);
  g_before_quick_exit.store(hooks.before_quick_exit, std::memory_order_release);
}

void RunBeforeExecHook() {
  if (auto* f = g_before_exec.load(std::memory_order_acquire)) f();
}

void RunBeforeQuickExitHook() {
  if (auto* f = g_before_quick_exit.load(std::memory_order_acquire)) f();
}

void RunAfterFailedExecHook() {
  if (auto* f = g_after_failed_exec.load(std::memory_order_acquire)) f();
}

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
