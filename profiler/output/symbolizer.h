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

#include "profiler/base/options.h"
#include "profiler/base/proc_maps.h"
#include "profiler/output/elf_symbols.h"
#include "profiler/output/line_tables.h"
#include "profiler/output/perf_map.h"
#include "profiler/output/unloaded_modules.h"

namespace lcprof {

struct ResolvedAddress {
  int mapping_index = -1;      // index into mappings(), or -1 if in no executable mapping
  std::string function;        // symbol name, or "" when the address is inside no symbol
  uint64_t module_offset = 0;  // address - mapping.start + mapping.file_offset (the file offset)
  // The source frames at the address from the module's DWARF line tables
  // (line_tables.h), innermost first: functions inlined there, then
  // `function`'s own file and line. Empty where the tables say nothing.
  std::vector<SourceFrame> source;
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

  // Adds the executable segments of modules unloaded before the profile is
  // written (unloaded_modules.h), after the current mappings. An address in
  // no current mapping is looked up in them, the newest first.
  void AddUnloadedModules(std::vector<UnloadedModule> modules);

  // Which modules' line tables Resolve() reads (options.h). Under kAuto, a
  // module whose debug info is compressed and would inflate past
  // kLineInflateLimit is left out: inflating libc6-dbg's 9.5 MiB cost 40-90
  // ms and 17-22 MiB of the program's memory at every exit (docs/usage.md).
  static constexpr uint64_t kLineInflateLimit = 4 << 20;
  void set_line_reading(LineReading mode, uint64_t inflate_limit = kLineInflateLimit) {
    line_reading_ = mode;
    inflate_limit_ = inflate_limit;
  }
  // The modules left out under kAuto, as "<basename> (<N> MiB)", in the
  // order they were met.
  const std::vector<std::string>& lines_left_out() const { return lines_left_out_; }

  // Executable mappings: those of /proc/self/maps sorted by start, then those
  // of unloaded modules.
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

  // The line tables of mappings_[index]'s module, opening them on first use;
  // nullptr if there are none to read.
  const LineTables* Lines(size_t index);

  // The mapping of mappings_[0, current_count_) holding `address`, or -1.
  int FindCurrent(uintptr_t address) const;
  // The newest unloaded module's mapping holding `address`, or -1.
  int FindUnloaded(uintptr_t address) const;

  std::vector<MemoryMapping> mappings_;
  LineReading line_reading_ = LineReading::kAuto;
  uint64_t inflate_limit_ = kLineInflateLimit;
  std::vector<std::string> lines_left_out_;
  size_t current_count_ = 0;  // mappings_ from /proc/self/maps; unloaded ones follow
  // Parallel to mappings_: build IDs recorded for unloaded modules ("" for
  // current mappings, whose IDs come from their files).
  std::vector<std::string> recorded_build_ids_;
  // Keeps the symbols of unloaded modules alive for modules_.
  std::vector<std::shared_ptr<const ElfSymbols>> unloaded_symbols_;
  // Parallel to mappings_: whether Lines() ran, and its answer.
  std::vector<bool> lines_loaded_;
  std::vector<const LineTables*> lines_;
  std::map<std::string, std::unique_ptr<LineTables>> lines_cache_;  // keyed like cache_
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
