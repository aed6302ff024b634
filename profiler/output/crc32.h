// CRC-32 as gzip (RFC 1952) defines it: the check value in the trailer of
// the files gzip_writer.h writes without zlib. Control path only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lcprof {

// Extends `crc` (0 for an empty prefix) over `n` more bytes. The polynomial
// is 0x04C11DB7 bit-reversed (0xEDB88320), the register starts all ones and is
// inverted at the end, so Crc32(Crc32(0, a), b) == Crc32(0, a + b).
uint32_t Crc32(uint32_t crc, const void* data, size_t n);

}  // namespace lcprof
