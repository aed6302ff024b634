// G handles: the logical threads of execution (fibers, coroutines) a program
// registers through the public API (lcprof/libcall.h). The SIGPROF handler
// looks up the stack of the thread's current G, so a fiber's samples are
// walked on the fiber's own stack; the pprof writer names each sample's G.
#pragma once

#include <cstdint>
#include <string>

namespace lcprof::libcall {

inline constexpr size_t kMaxGs = 4096;

// Control path (takes a lock, copies the name). Returns 0 when the table is full.
uint64_t RegisterG(const char* name, uintptr_t stack_lo, uintptr_t stack_hi);
void UnregisterG(uint64_t g);

// The stack registered for g, when g is registered and has one. Signal-safe.
bool LookupGStack(uint64_t g, uintptr_t* lo, uintptr_t* hi);

// The name g was registered with, also after it was unregistered; "" for an
// unknown handle. Control path.
std::string GName(uint64_t g);

}  // namespace lcprof::libcall
