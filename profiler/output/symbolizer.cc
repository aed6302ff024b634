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
  current_count_ = mappings_.size();
  module_loaded_.assign(mappings_.size(), false);
  modules_.assign(mappings_.size(), nullptr);
  recorded_build_ids_.assign(mappings_.size(), "");
  lines_loaded_.assign(mappings_.size(), false);
  lines_.assign(mappings_.size(), nullptr);
}

void Symbolizer::AddUnloadedModules(std::vector<UnloadedModule> modules) {
  constexpr uint64_t kPage = 4096;
  for (UnloadedModule& u : modules) {
    for (const ElfLoadSegment& s : u.segments) {
      if (!s.executable || s.mem_size == 0) continue;
      MemoryMapping m;
      // What the loader mapped for the segment: whole pages.
      m.start = (u.bias + s.vaddr) & ~(kPage - 1);
      m.end = (u.bias + s.vaddr + s.mem_size + kPage - 1) & ~(kPage - 1);
      m.file_offset = s.file_offset & ~(kPage - 1);
      m.readable = m.executable = m.is_private = true;
      m.path = u.path;
      mappings_.push_back(std::move(m));
      module_loaded_.push_back(true);
      modules_.push_back(u.symbols.get());
      recorded_build_ids_.push_back(u.build_id);
      lines_loaded_.push_back(false);
      lines_.push_back(nullptr);
    }
    if (u.symbols != nullptr) unloaded_symbols_.push_back(std::move(u.symbols));
  }
}

int Symbolizer::FindCurrent(uintptr_t address) const {
  const auto end = mappings_.begin() + static_cast<ptrdiff_t>(current_count_);
  auto it = std::upper_bound(mappings_.begin(), end, address,
                             [](uintptr_t a, const MemoryMapping& m) { return a < m.start; });
  if (it == mappings_.begin() || address >= (it - 1)->end) return -1;
  return static_cast<int>(it - 1 - mappings_.begin());
}

int Symbolizer::FindUnloaded(uintptr_t address) const {
  for (size_t i = mappings_.size(); i > current_count_; --i) {
    const MemoryMapping& m = mappings_[i - 1];
    if (address >= m.start && address < m.end) return static_cast<int>(i - 1);
  }
  return -1;
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

const LineTables* Symbolizer::Lines(size_t index) {
  if (lines_loaded_[index]) return lines_[index];
  lines_loaded_[index] = true;
  const MemoryMapping& m = mappings_[index];
  // Files only: the vDSO's image has no line tables, JIT code no file.
  if (line_reading_ == LineReading::kNone || m.path.empty() || m.path[0] != '/' ||
      IsAnonymousCode(m)) {
    return nullptr;
  }
  // Section headers tell where the tables are before libdw is loaded: most
  // modules of a packaged system have none, and then libdw never is.
  const ElfSymbols* module = Module(index);
  if (module == nullptr) return nullptr;
  const ElfDwarf& dwarf = module->dwarf();
  if (!dwarf.in_module && !dwarf.in_build_id_file) {
    // A .gnu_debuglink alone (Debian's binaries all carry one) is worth
    // loading libdw for only when the file it names is there.
    const std::vector<std::string> candidates =
        LineTables::DebugFileCandidates(m.path, "", dwarf.debuglink, debug_root_);
    if (std::none_of(candidates.begin(), candidates.end(),
                     [](const std::string& c) { return access(c.c_str(), R_OK) == 0; })) {
      return nullptr;
    }
  }
  if (line_reading_ == LineReading::kAuto && dwarf.inflated_bytes > inflate_limit_) {
    const size_t slash = m.path.rfind('/');
    const std::string entry = m.path.substr(slash + 1) + " (" +
                              std::to_string((dwarf.inflated_bytes + (1 << 19)) >> 20) + " MiB)";
    if (std::find(lines_left_out_.begin(), lines_left_out_.end(), entry) == lines_left_out_.end()) {
      lines_left_out_.push_back(entry);
    }
    return nullptr;
  }
  const std::string build_id = BuildId(static_cast<int>(index));
  std::string file = m.path;
  if (m.deleted) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "/proc/self/map_files/%" PRIxPTR "-%" PRIxPTR, m.start, m.end);
    file = buf;
  }
  const std::string key = file + '\n' + build_id;
  auto it = lines_cache_.find(key);
  if (it == lines_cache_.end()) {
    it = lines_cache_.emplace(key, LineTables::Open(file, build_id, debug_root_)).first;
  }
  return lines_[index] = it->second.get();
}

ResolvedAddress Symbolizer::Resolve(uintptr_t address) {
  ResolvedAddress result;
  int found = FindCurrent(address);
  // A module unloaded since the sample; an address mapped again by now is
  // named after what is mapped there now, as the sample cannot tell.
  if (found < 0) found = FindUnloaded(address);
  if (found < 0) {
    // Executable at the sample, gone by now: most often JIT code a runtime
    // freed at exit (node does), which its perf map may still name.
    result.jit = true;
    result.function = JitName(address);
    return result;
  }
  const size_t index = static_cast<size_t>(found);
  const auto it = mappings_.begin() + found;
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
  if (const LineTables* lines = Lines(index)) result.source = lines->Lookup(*vaddr);
  return result;
}

std::string Symbolizer::BuildId(int mapping_index) {
  if (mapping_index < 0 || static_cast<size_t>(mapping_index) >= mappings_.size()) return "";
  const size_t index = static_cast<size_t>(mapping_index);
  if (!recorded_build_ids_[index].empty()) return recorded_build_ids_[index];
  const ElfSymbols* module = Module(index);
  return module != nullptr ? module->build_id() : "";
}

}  // namespace lcprof
