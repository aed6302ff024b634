// The registry's shared state: the fixed slot array (one slot per thread, see
// thread_timer_slot.h), the epochs that void cached lookups, and each
// thread's cache of its own slot. Internal to the registry
// (thread_timer_registry.cc, which arms and frees slots on the control path)
// and the weights (thread_timer_weights.cc, which read them in the handler).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <span>

#include "profiler/timers/thread_timer_slot.h"
#include "profiler/timers/thread_timers.h"

namespace lcprof::thread_timer_table {

extern ThreadTimerSlot g_slots[kMaxTimedThreads];  // zero = kSlotFree
// One past the highest slot ever armed in this process: the slots above it
// are free and untouched. Loops stop there, so a process with one thread does
// not read (and fault in) the whole array at every lookup and stop. Only
// grows; stored before the slot it covers is armed (release).
extern std::atomic<int> g_slot_bound;
inline std::span<ThreadTimerSlot> UsedSlots() {
  return {g_slots, static_cast<size_t>(g_slot_bound.load(std::memory_order_acquire))};
}
// Bumped at each start and after the start's enumeration: a thread's cached
// "my slot" (below) from another epoch is looked up again.
extern std::atomic<uint32_t> g_cover_epoch;
// Bumped at each start: a thread's CPU baseline from another session is void.
extern std::atomic<uint32_t> g_session;

// Per-thread cache, touched only by its own thread (handler and hooks; the
// hooks block SIGPROF while they write it). Trivially constructible and
// initial-exec (constinit: no TLS wrapper): no lazy-init guard or
// __tls_get_addr on the signal path.
struct ThreadTimerTls {
  uint32_t cover_epoch;  // g_cover_epoch when slot_plus1 was found
  uint32_t slot_plus1;   // this thread's armed slot + 1; 0 = none
  uint32_t session;      // g_session when last_cpu was set
  uint32_t unused;
  uint64_t last_cpu;  // thread CPU ns up to which itimer samples have weighed it
};
extern constinit __attribute__((tls_model("initial-exec"))) thread_local ThreadTimerTls t_tls;

inline uint32_t LoadState(ThreadTimerSlot& s) {
  return std::atomic_ref<uint32_t>(s.state).load(std::memory_order_acquire);
}
inline uint32_t LoadGen(ThreadTimerSlot& s) {
  return std::atomic_ref<uint32_t>(s.gen).load(std::memory_order_acquire);
}

// The calling thread's id by a raw system call. Signal-safe.
pid_t Gettid();

// The cookie a timer_create timer carries (si_value.sival_ptr): lcprof's
// tag in the high half, which tells its signals from those of the program's
// own SIGPROF timers; then the low 20 bits of the slot's generation when
// armed and the slot index.
inline constexpr uint64_t kTimerCookieTag = 0x4c435446ull << 32;  // "LCTF"
inline uint64_t Cookie(int index, uint32_t gen) {
  return kTimerCookieTag | (static_cast<uint64_t>(gen & 0xfffffu) << 12) |
         static_cast<uint32_t>(index);
}
inline bool IsTimerCookie(uint64_t cookie) { return (cookie >> 32) == (kTimerCookieTag >> 32); }
inline int CookieSlot(uint64_t cookie) { return static_cast<int>(cookie & 0xfffu); }
inline bool CookieMatchesGen(uint64_t cookie, uint32_t gen) {
  return ((cookie >> 12) & 0xfffffu) == (gen & 0xfffffu);
}
static_assert(kMaxTimedThreads <= 4096, "the cookie holds a slot index in 12 bits");

// The armed slot of thread `tid`, or -1. Signal-safe scan.
int FindArmedSlot(pid_t tid);
// This thread's armed slot, from its cache when the cache is current.
// Signal-safe; `tid` is the calling thread.
int MySlot(pid_t tid);
// Records `slot` (-1: none) as this thread's, in the current epoch.
// Signal-safe; on the calling thread only.
void SetMyCache(int slot);

// The handler's use of slot `s`: counted in s.busy while it may read the
// slot's descriptor, so that no descriptor is closed or moved under it (a
// number reused by the program would make the handler read the program's
// file). EnterSlot is false, and counts nothing, for a slot no longer
// armed. The handshake: the handler increments busy, then loads state and
// fd; the closer stores state (or the mover fd), then loads busy; all
// seq_cst, so either the closer waits for the handler or the handler sees
// the new value. Signal-safe, on the slot's own thread.
inline bool EnterSlot(ThreadTimerSlot& s) {
  std::atomic_ref<uint32_t> busy(s.busy);
  busy.fetch_add(1, std::memory_order_seq_cst);
  if (std::atomic_ref<uint32_t>(s.state).load(std::memory_order_seq_cst) == kSlotArmed) return true;
  busy.fetch_sub(1, std::memory_order_release);
  return false;
}
inline void LeaveSlot(ThreadTimerSlot& s) {
  std::atomic_ref<uint32_t>(s.busy).fetch_sub(1, std::memory_order_release);
}
inline int SlotFd(const ThreadTimerSlot& s) {
  return std::atomic_ref<int>(const_cast<int&>(s.fd)).load(std::memory_order_seq_cst);
}
// Control path: until no handler uses the slot. Ends: handlers never wait
// and run with every asynchronous signal blocked.
void WaitSlotUnused(ThreadTimerSlot& s);

// The slot's clock: the thread's CPU since arming, or its perf counter.
// On the slot's own thread. Signal-safe.
uint64_t SlotElapsed(const ThreadTimerSlot& s);
// The weight of a signal whose slot's clock now reads `elapsed`: the expiries
// reached and not yet weighed. Only on the slot's own thread. Signal-safe.
uint64_t WeighExpiries(ThreadTimerSlot& s, uint64_t elapsed);

}  // namespace lcprof::thread_timer_table
