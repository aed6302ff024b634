// The one module map: which loaded module holds a code address, where its
// unwind information is, and whether it is code a wrapped call runs (libc,
// the dynamic loader, the vDSO). Always current: every lookup asks glibc's
// _dl_find_object (2.35+), which knows every module from the moment dlopen
// maps it until dlclose removes it, is lock-free and async-signal-safe, and
// is what unwinders were meant to use. Nothing is scanned or parsed: start-up
// asks three addresses (libc, the loader, the vDSO) and nothing more.
// Readers: the walkers (unwind_walk.cc, libcall_reader.cc) in the SIGPROF
// handler; what a module's memory may still be read is the unload guard's
// business (unload_guard.h).
#pragma once

#include <cstdint>

namespace lcprof {

enum class ModuleKind : uint8_t {
  kProgram,  // any module the program's own frames may be in
  kLibc,     // the C library: the inside of wrapped calls
  kLoader,   // the dynamic loader (ld-linux)
  kVdso,     // the kernel's vDSO
};

struct CodeModule {
  uintptr_t lo = 0, hi = 0;               // the module's whole mapped span
  uintptr_t bias = 0;                     // load bias: runtime address - ELF vaddr
  const uint8_t* eh_frame_hdr = nullptr;  // its .eh_frame_hdr, nullptr if none
  ModuleKind kind = ModuleKind::kProgram;
};

// Records where libc, the loader and the vDSO are (three lookups; they are
// never unloaded). Control path, before the handler is armed; idempotent.
void PrepareCodeModules();

// The module mapped at `addr`; false when no loaded module holds it (stack,
// heap, JIT code, garbage). Signal-safe.
bool FindCodeModule(uintptr_t addr, CodeModule* module);

// Whether `addr` lies in libc, the loader or the vDSO: code that keeps no
// frame pointers and that a wrapped call runs. Signal-safe, three compares.
bool InWrappedCallCode(uintptr_t addr);

}  // namespace lcprof
