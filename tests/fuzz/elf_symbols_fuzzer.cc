// libFuzzer target: the ELF reader (profiler/output/elf_symbols.h) on an
// arbitrary image: ELF header, program headers (PT_LOAD, PT_DYNAMIC, notes:
// the build ID), section headers, symbol and string tables, and the
// dynamic-section fallback. The image is copied into a buffer of exactly its
// size, so ASan reports any read outside it. Then the answers are queried
// the way the symbolizer does, and checked against the class's promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "profiler/output/elf_symbols.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::unique_ptr<uint8_t[]> image(new uint8_t[size]);
  if (size > 0) std::memcpy(image.get(), data, size);
  // A debug root that does not exist: a build ID in the input must not make
  // the fuzzer read files.
  auto symbols = lcprof::ElfSymbols::FromMemory(image.get(), size, "/nonexistent-lcprof-fuzz");
  if (!symbols) return 0;
  for (const auto& s : symbols->symbols()) {
    if (s.size == 0 || s.name.empty()) abort();
    // No "@VERSION" suffix (a name that starts with '@' is kept as it is).
    if (s.name.find('@', 1) != std::string::npos) abort();
    const auto* found = symbols->Lookup(s.value);
    if (found == nullptr) abort();  // a symbol's first byte is inside some symbol
    if (s.value < found->value || s.value - found->value >= found->size) abort();
  }
  for (const auto& seg : symbols->load_segments()) {
    symbols->FileOffsetToVaddr(seg.file_offset);
    symbols->FileOffsetToVaddr(seg.file_offset + seg.file_size);
    symbols->Lookup(seg.vaddr);
  }
  for (char c : symbols->build_id()) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) abort();
  }
  return 0;
}
