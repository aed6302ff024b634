// The module map over _dl_find_object; see code_modules.h.
#include "profiler/unwinding/code_modules.h"

#include <dlfcn.h>
#include <link.h>
#include <sys/auxv.h>

#include <atomic>

#include "libcall/libc_symbols.h"

namespace lcprof {
namespace {

struct Span {
  std::atomic<uintptr_t> lo{0}, hi{0};
  bool Holds(uintptr_t a) const {
    return a >= lo.load(std::memory_order_relaxed) && a < hi.load(std::memory_order_relaxed);
  }
};

// Indexed by ModuleKind; kProgram unused. Written once by PrepareCodeModules.
Span g_spans[4];

bool LookUp(uintptr_t addr, dl_find_object* found) {
  return addr != 0 && _dl_find_object(reinterpret_cast<void*>(addr), found) == 0;
}

void Remember(ModuleKind kind, uintptr_t anchor) {
  dl_find_object found;
  if (!LookUp(anchor, &found)) return;
  Span& s = g_spans[static_cast<int>(kind)];
  s.lo.store(reinterpret_cast<uintptr_t>(found.dlfo_map_start), std::memory_order_relaxed);
  s.hi.store(reinterpret_cast<uintptr_t>(found.dlfo_map_end), std::memory_order_release);
}

ModuleKind KindOf(uintptr_t lo) {
  for (ModuleKind k : {ModuleKind::kLibc, ModuleKind::kLoader, ModuleKind::kVdso}) {
    if (g_spans[static_cast<int>(k)].lo.load(std::memory_order_relaxed) == lo && lo != 0) return k;
  }
  return ModuleKind::kProgram;
}

}  // namespace

void PrepareCodeModules() {
  // An address inside libc.so.6 itself, read from its own symbol table: the
  // first definition of a name (what &name gives) may be another preloaded
  // interposer's (ASan, libfaketime) or the program's.
  Remember(ModuleKind::kLibc,
           reinterpret_cast<uintptr_t>(libcall::LookUpLibcSymbol("gnu_get_libc_version")));
  Remember(ModuleKind::kLoader, getauxval(AT_BASE));
  Remember(ModuleKind::kVdso, getauxval(AT_SYSINFO_EHDR));
}

bool FindCodeModule(uintptr_t addr, CodeModule* module) {
  dl_find_object found;
  if (!LookUp(addr, &found)) return false;
  module->lo = reinterpret_cast<uintptr_t>(found.dlfo_map_start);
  module->hi = reinterpret_cast<uintptr_t>(found.dlfo_map_end);
  module->bias = found.dlfo_link_map != nullptr ? found.dlfo_link_map->l_addr : 0;
  module->eh_frame_hdr = static_cast<const uint8_t*>(found.dlfo_eh_frame);
  module->kind = KindOf(module->lo);
  return true;
}

bool InWrappedCallCode(uintptr_t addr) {
  return g_spans[static_cast<int>(ModuleKind::kLibc)].Holds(addr) ||
         g_spans[static_cast<int>(ModuleKind::kLoader)].Holds(addr) ||
         g_spans[static_cast<int>(ModuleKind::kVdso)].Holds(addr);
}

}  // namespace lcprof
