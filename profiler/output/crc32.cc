// CRC-32, a byte at a time through a 256-entry table; see crc32.h. Only the
// no-zlib path of gzip_writer.cc runs it, so the simple table (a few hundred
// MB/s) is enough.
#include "profiler/output/crc32.h"

#include <array>

namespace lcprof {
namespace {

constexpr uint32_t kReversedPolynomial = 0xEDB88320u;

// table[b] is the register's change after shifting byte b through it.
constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t r = b;
    for (int bit = 0; bit < 8; ++bit) r = (r & 1) ? (r >> 1) ^ kReversedPolynomial : r >> 1;
    table[b] = r;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = MakeTable();

}  // namespace

uint32_t Crc32(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t r = ~crc;
  for (size_t i = 0; i < n; ++i) r = kTable[(r ^ p[i]) & 0xFF] ^ (r >> 8);
  return ~r;
}

}  // namespace lcprof
