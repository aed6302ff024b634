// Where the entry stubs (entry_stubs.h) lie: the bounds of their section,
// provided by the linker for any section named like a C identifier. Weak:
// an image without stubs (the unit tests link libcall/ without the
// interposers) has neither bound, and no pc is in a stub.
#include "libcall/entry_stubs.h"

extern "C" {
extern const char __start_lcprof_entry_stubs[] __attribute__((weak, visibility("hidden")));
extern const char __stop_lcprof_entry_stubs[] __attribute__((weak, visibility("hidden")));
}

namespace lcprof::libcall {

bool InEntryStub(uintptr_t pc) {
  const auto lo = reinterpret_cast<uintptr_t>(__start_lcprof_entry_stubs);
  const auto hi = reinterpret_cast<uintptr_t>(__stop_lcprof_entry_stubs);
  return lo != 0 && pc >= lo && pc < hi;
}

}  // namespace lcprof::libcall
