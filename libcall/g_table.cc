// The G table; see g_table.h.
//
// Layout: a fixed array of slots. A handle is (generation << 16) | (slot + 1),
// so a handle kept after its G was unregistered never finds the slot's next
// tenant. A slot's `handle` is published last (release) after its stack
// bounds; the signal-side reader loads it first (acquire) and re-checks it
// after reading the bounds, so it never returns the bounds of another G.
#include "libcall/g_table.h"

#include <pthread.h>

#include <atomic>
#include <map>
#include <mutex>
#include <new>

namespace lcprof::libcall {
namespace {

struct Slot {
  std::atomic<uint64_t> handle{0};  // 0: free
  std::atomic<uintptr_t> stack_lo{0};
  std::atomic<uintptr_t> stack_hi{0};
};

Slot g_slots[kMaxGs];
std::mutex g_mutex;
uint64_t g_generation = 0;                 // guarded by g_mutex
std::map<uint64_t, std::string>* g_names;  // guarded by g_mutex; never freed (used at exit)

constexpr uint64_t kSlotMask = 0xffff;

// Fork: the table's lock is held across fork, so the child gets a
// consistent table and a lock no thread of another process holds.
void LockForFork() { g_mutex.lock(); }
void UnlockAfterFork() { g_mutex.unlock(); }
void ResetInChild() { new (&g_mutex) std::mutex(); }
__attribute__((constructor)) void RegisterForkHandlers() {
  pthread_atfork(LockForFork, UnlockAfterFork, ResetInChild);
}

}  // namespace

uint64_t RegisterG(const char* name, uintptr_t stack_lo, uintptr_t stack_hi) {
  std::lock_guard<std::mutex> lock(g_mutex);
  for (size_t i = 0; i < kMaxGs; ++i) {
    Slot& s = g_slots[i];
    if (s.handle.load(std::memory_order_relaxed) != 0) continue;
    uint64_t handle = (++g_generation << 16) | (i + 1);
    s.stack_lo.store(stack_lo, std::memory_order_relaxed);
    s.stack_hi.store(stack_hi, std::memory_order_relaxed);
    s.handle.store(handle, std::memory_order_release);
    if (g_names == nullptr) g_names = new std::map<uint64_t, std::string>;
    (*g_names)[handle] = name != nullptr ? name : "";
    return handle;
  }
  return 0;
}

void UnregisterG(uint64_t g) {
  uint64_t slot = g & kSlotMask;
  if (slot == 0 || slot > kMaxGs) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  Slot& s = g_slots[slot - 1];
  uint64_t expected = g;
  s.handle.compare_exchange_strong(expected, 0, std::memory_order_acq_rel);
}

// Called by the SIGPROF handler: not TSan-instrumented (its atomics inline
// as plain instructions), like the other signal-context code.
__attribute__((no_sanitize("thread"))) bool LookupGStack(uint64_t g, uintptr_t* lo, uintptr_t* hi) {
  uint64_t slot = g & kSlotMask;
  if (slot == 0 || slot > kMaxGs) return false;
  const Slot& s = g_slots[slot - 1];
  if (s.handle.load(std::memory_order_acquire) != g) return false;
  uintptr_t l = s.stack_lo.load(std::memory_order_relaxed);
  uintptr_t h = s.stack_hi.load(std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_acquire);
  if (s.handle.load(std::memory_order_relaxed) != g || h <= l) return false;
  *lo = l;
  *hi = h;
  return true;
}

std::string GName(uint64_t g) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_names == nullptr) return "";
  auto it = g_names->find(g);
  return it == g_names->end() ? "" : it->second;
}

}  // namespace lcprof::libcall
