// Maps runtime code addresses of this process to (mapping, function name,
// file offset). Runs on the control path at profile-write time, never in a
// signal handler. Upstream: proc_maps.h, elf_symbols.h; downstream: the writer.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "profiler/output/elf_symbols.h"
#include "profiler/output/perf_map.h"
#include "profiler/base/proc_maps.h"

namespace lcprof {

struct ResolvedAddress {
  int mapping_index = -1;      // index into mappings(), or -1 if in no executable mapping
  std::string function;        // symbol name, or "" when the address is inside no symbol
  uint64_t module_offset = 0;  // address - mapping.start + mapping.file_offset (the file offset)
  // The address is in code without an ELF image: anonymous executable memory
  // (a JIT's), or no executable mapping at all by the time the profile is
  // written (freed JIT code). `function` is then the runtime's perf-map name,
  // or "" when its map names nothing there.
  bool jit = false;
};

// Not thread-safe: Resolve() and BuildId() fill caches lazily.
class Symbolizer {
 public:
  // Keeps the executable mappings of `all_mappings`. Symbols are loaded on
  // first use and cached per path: from the file for file-backed mappings
  // (through /proc/self/map_files for deleted ones), from memory at
  // getauxval(AT_SYSINFO_EHDR) for "[vdso]". Pseudo mappings such as
  // "[vsyscall]" resolve to a mapping without names. Anonymous code (JITs;
  // IsAnonymousCode) and addresses in no executable mapping are named from
  // the perf map at `perf_map_path`, read on first use (perf_map.h); the
  // default is this process's own, /tmp/perf-<getpid()>.map.
  explicit Symbolizer(std::vector<MemoryMapping> all_mappings,
                      std::string debug_root = "/usr/lib/debug",
                      std::string perf_map_path = PerfMap::PathFor(getpid()));

  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // Executable mappings only, sorted by start.
  const std::vector<MemoryMapping>& mappings() const { return mappings_; }

  // Runtime address -> mapping, name, file offset.
  ResolvedAddress Resolve(uintptr_t address);

  // The GNU build ID of the mapping's module, "" if unknown or out of range.
  std::string BuildId(int mapping_index);

  // Executable memory that holds no file's image, where runtimes put the code
  // they generate: anonymous ("", "[anon:NAME]"), "[heap]", "[stack]", and
  // memory-file mappings ("/memfd:NAME", "/dev/zero"; .NET maps its code
  // through a memfd).
  static bool IsAnonymousCode(const MemoryMapping& mapping);

 private:
  // The module backing mappings_[index], loading it on first use; nullptr if
  // it has no readable ELF image.
  const ElfSymbols* Module(size_t index);

  // The runtime's perf-map name for a JIT address, loading the map on first
  // use; "" when it names nothing there.
  std::string JitName(uintptr_t address);

  std::vector<MemoryMapping> mappings_;
  std::string debug_root_;
  // Parallel to mappings_: whether Module() ran, and its answer.
  std::vector<bool> module_loaded_;
  std::vector<const ElfSymbols*> modules_;
  // Per path (the vDSO under "[vdso]"); nullptr records a failed load so it is
  // not retried. unique_ptr keeps the pointers in modules_ stable.
  std::map<std::string, std::unique_ptr<ElfSymbols>> cache_;
  // Where the vDSO image starts in memory; its file offset 0 is mapped there.
  uintptr_t vdso_base_ = 0;
  std::string perf_map_path_;
  std::optional<PerfMap> perf_map_;  // loaded by JitName() on first use
};

}  // namespace lcprof
