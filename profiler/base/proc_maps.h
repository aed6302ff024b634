// Reads /proc/PID/maps into a list of memory mappings. Runs on the control
// path at profile-write time (never in a signal handler), so it allocates
// freely. Downstream: symbolizer.cc turns sampled addresses into mappings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lcprof {

// One line of /proc/PID/maps.
struct MemoryMapping {
  uintptr_t start = 0, end = 0;  // [start, end)
  uint64_t file_offset = 0;      // offset in `path` of the byte mapped at `start`
  bool readable = false, writable = false, executable = false, is_private = false;
  // Empty for anonymous mappings; may be a pseudo path such as "[vdso]",
  // "[stack]" or "[heap]". A trailing " (deleted)" is removed and recorded in
  // `deleted` instead. Paths may contain spaces.
  std::string path;
  bool deleted = false;
};

// Parses text in /proc/PID/maps format, one mapping per line, in input order.
// Malformed lines are skipped; this never fails as a whole.
std::vector<MemoryMapping> ParseProcMaps(std::string_view text);

// Reads the whole file at `path` and parses it. Returns an empty list when the
// file cannot be opened or read.
std::vector<MemoryMapping> ReadProcMaps(const char* path = "/proc/self/maps");

}  // namespace lcprof
