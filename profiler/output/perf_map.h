// The symbol map JIT runtimes write for perf: /tmp/perf-PID.map, one line
// "START SIZE name" per piece of generated code (START and SIZE in hex).
// symbolizer.cc reads it at profile-write time to name samples in anonymous
// executable memory; control path only, never in a signal handler.
//
// Which runtimes write it, and the flag each needs: docs/usage.md, "JIT code".
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lcprof {

class PerfMap {
 public:
  struct Entry {
    uint64_t start = 0;
    uint64_t size = 0;  // > 0, and start + size does not wrap
    std::string name;   // never empty; the rest of the line, as written
  };

  // The map `pid` writes: "/tmp/perf-<pid>.map".
  static std::string PathFor(pid_t pid);

  // Parses map text. Lines that are not "START SIZE name" (bad or missing hex,
  // a zero size, a range that wraps, no name) are skipped; "0x" prefixes,
  // upper-case digits, tabs and "\r\n" line ends are accepted. Never fails.
  static PerfMap Parse(std::string_view text);

  // Reads and parses the file at `path`. An empty map when it is missing or
  // unreadable, not a regular file (a FIFO would block), or owned by someone
  // other than this process's effective user or root: /tmp is shared, and perf
  // refuses such maps for the same reason.
  static PerfMap Read(const std::string& path);

  PerfMap() = default;

  // The name of the code at `address`. When entries overlap (a runtime
  // reused the memory of code it freed or moved), the one written last wins:
  // the map only grows, so the last entry is the newest code there. nullptr
  // when no entry contains the address.
  const std::string* Lookup(uint64_t address) const;

  // Entries accepted, in file order (tests and diagnostics).
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  // A maximal address range in which one entry is the newest. Disjoint,
  // sorted by start; gaps belong to no entry.
  struct Range {
    uint64_t start = 0;
    uint64_t end = 0;    // exclusive
    uint32_t entry = 0;  // index into entries_
  };

  // Adds one line's entry if it parses.
  void AddLine(std::string_view line);
  // Builds ranges_ from entries_ (after the last AddLine).
  void BuildRanges();

  std::vector<Entry> entries_;
  std::vector<Range> ranges_;
};

}  // namespace lcprof
