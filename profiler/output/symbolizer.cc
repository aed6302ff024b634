// Maps runtime code addresses of this process to (mapping, function name,
// file offset). Runs on the control path at profile-write time, never in a
// signal handler. Upstream: proc_maps.h, elf_symbols.h; downstream: the writer.
#include "profiler/output/symbolizer.h"

#include <sys/auxv.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <optional>
#include <string_view>
#include <utility>

namespace lcprof {
namespace {

constexpr char kVdsoPath[] = "[vdso]";

}  // namespace

Symbolizer::Symbolizer(std::vector<MemoryMapping> all_mappings, std::string debug_root,
                       std::string perf_map_path)
    : debug_root_(std::move(debug_root)), perf_map_path_(std::move(perf_map_path)) {
  for (MemoryMapping& m : all_mappings) {
    if (m.executable && m.start < m.end) mappings_.push_back(std::move(m));
  }
  std::sort(mappings_.begin(), mappings_.end(),
            [](const MemoryMapping& a, const MemoryMapping& b) { return a.start < b.start; });
  module_loaded_.assign(mappings_.size(), false);
  modules_.assign(mappings_.size(), nullptr);
}

bool Symbolizer::IsAnonymousCode(const MemoryMapping& m) {
  const std::string_view path = m.path;
  return path.empty() || path.starts_with("[anon:") || path == "[heap]" || path == "[stack]" ||
         path.starts_with("/memfd:") || path == "/dev/zero";
}

std::string Symbolizer::JitName(uintptr_t address) {
  if (!perf_map_) perf_map_ = PerfMap::Read(perf_map_path_);
  const std::string* name = perf_map_->Lookup(address);
  return name != nullptr ? *name : std::string();
}

const ElfSymbols* Symbolizer::Module(size_t index) {
  if (module_loaded_[index]) return modules_[index];
  module_loaded_[index] = true;
  const MemoryMapping& m = mappings_[index];
  if (IsAnonymousCode(m)) return nullptr;  // a memfd holds code, not an ELF image

  std::string key;
  std::optional<ElfSymbols> loaded;
  if (m.path == kVdsoPath) {
    // Only [vdso] is executable; on newer kernels [vvar] (data) precedes it,
    // so the image base comes from the auxiliary vector, not from a neighbour.
    uintptr_t base = getauxval(AT_SYSINFO_EHDR);
    if (base < m.start || base >= m.end) return nullptr;  // maps of another process?
    key = kVdsoPath;
    if (auto it = cache_.find(key); it != cache_.end()) return modules_[index] = it->second.get();
    vdso_base_ = base;
    loaded = ElfSymbols::FromMemory(reinterpret_cast<const void*>(base), m.end - base, debug_root_);
  } else if (!m.path.empty() && m.path[0] == '/') {
    // A deleted file's path may now name another file (or nothing); the
    // mapped inode itself is reachable through map_files.
    key = m.deleted ? m.path + " (deleted)" : m.path;
    if (auto it = cache_.find(key); it != cache_.end()) return modules_[index] = it->second.get();
    std::string file = m.path;
    if (m.deleted) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "/proc/self/map_files/%" PRIxPTR "-%" PRIxPTR, m.start,
                    m.end);
      file = buf;
    }
    loaded = ElfSymbols::FromFile(file, debug_root_);
  } else {
    return nullptr;  // anonymous or pseudo mapping: no ELF image
  }

  std::unique_ptr<ElfSymbols>& slot = cache_[key];
  if (loaded) slot = std::make_unique<ElfSymbols>(std::move(*loaded));
  return modules_[index] = slot.get();
}

ResolvedAddress Symbolizer::Resolve(uintptr_t address) {
  ResolvedAddress result;
  auto it = std::upper_bound(mappings_.begin(), mappings_.end(), address,
                             [](uintptr_t a, const MemoryMapping& m) { return a < m.start; });
  if (it == mappings_.begin() || address >= (it - 1)->end) {
    // Executable at the sample, gone by now: most often JIT code a runtime
    // freed at exit (node does), which its perf map may still name.
    result.jit = true;
    result.function = JitName(address);
    return result;
  }
  --it;
  const size_t index = static_cast<size_t>(it - mappings_.begin());
  result.mapping_index = static_cast<int>(index);
  result.module_offset = address - it->start + it->file_offset;
  if (IsAnonymousCode(*it)) {
    result.jit = true;
    result.function = JitName(address);
    return result;
  }

  const ElfSymbols* module = Module(index);
  if (module == nullptr) return result;
  // For the vDSO the image is laid out as its file from vdso_base_, so the
  // offset into the image is its file offset.
  uint64_t file_offset = it->path == kVdsoPath ? address - vdso_base_ : result.module_offset;
  std::optional<uint64_t> vaddr = module->FileOffsetToVaddr(file_offset);
  if (!vaddr) return result;
  if (const ElfSymbols::Symbol* symbol = module->Lookup(*vaddr)) result.function = symbol->name;
  return result;
}

std::string Symbolizer::BuildId(int mapping_index) {
  if (mapping_index < 0 || static_cast<size_t>(mapping_index) >= mappings_.size()) return "";
  const ElfSymbols* module = Module(static_cast<size_t>(mapping_index));
  return module != nullptr ? module->build_id() : "";
}

}  // namespace lcprof
