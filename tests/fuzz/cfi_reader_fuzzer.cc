// libFuzzer target: the CFI reader (profiler/unwinding/cfi_reader.h) on a
// synthetic module image. The input is
//   [u32 pc offset][u32 .eh_frame_hdr offset][module image...]
// The image (zero-padded to one page, the least a module maps) is copied
// into a buffer of exactly that size and presented as a loaded module whose
// load bias is the buffer's address, so ELF virtual addresses are offsets
// into it. The reader promises never to read outside the module's mapped
// segments; ASan reports any read outside the buffer. Seeds are real
// modules (tests/fuzz/make_cfi_seeds.sh), so the fuzzer starts from valid
// ELF headers, .eh_frame_hdr tables, CIEs and FDEs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "profiler/unwinding/cfi_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  uint32_t pc_offset, hdr_offset;
  std::memcpy(&pc_offset, data, 4);
  std::memcpy(&hdr_offset, data + 4, 4);
  data += 8;
  size -= 8;
  const size_t image_size = size < 4096 ? 4096 : size;
  std::unique_ptr<uint8_t[]> image(new uint8_t[image_size]());
  std::memcpy(image.get(), data, size);

  lcprof::CodeModule module;
  module.lo = reinterpret_cast<uintptr_t>(image.get());
  module.hi = module.lo + image_size;
  module.bias = module.lo;
  module.eh_frame_hdr = image.get() + hdr_offset % image_size;
  const uintptr_t pc = module.lo + pc_offset % image_size;
  const lcprof::CfiLookup found = lcprof::ReadFrameRule(module, pc);
  if (found.fde_start != 0 && found.fde_start > pc) abort();  // the FDE covers pc
  return 0;
}
