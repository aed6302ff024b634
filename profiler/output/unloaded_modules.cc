// Recording modules before dlclose unmaps them; see unloaded_modules.h.
//
// Before the real dlclose: the list of loaded modules (dl_iterate_phdr: name,
// load bias, PT_LOAD headers, the loader's unload count), and for the closed
// handle's own module its build ID from the mapped note and its symbols from
// the file (through /proc/self/map_files when the path now holds another
// build). After: if the loader's unload count moved, every module of the list
// no longer loaded was unmapped by this call (the handle's, and libraries
// only it needed), and is recorded. A dlclose that unmaps nothing (the
// module is still referenced) costs the list and, once per distinct module,
// its symbols.
#include "profiler/output/unloaded_modules.h"

#include <dlfcn.h>
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <new>

namespace lcprof {
namespace {

// A module as the loader listed it before the dlclose.
struct ListedModule {
  std::string name;
  uintptr_t bias = 0;
  std::vector<ElfLoadSegment> segments;
  // Filled for the closed handle's module only, while it is mapped.
  std::string build_id;
  std::shared_ptr<const ElfSymbols> symbols;
  bool captured = false;
};

struct Snapshot {
  unsigned long long unloads = 0;  // the loader's dlpi_subs
  std::vector<ListedModule> modules;
};

// Never destroyed: the profile is written at exit, from liblcprof.so's own
// destructors, after static objects of this file would be gone.
struct Registry {
  bool recording = false;
  std::vector<UnloadedModule> modules;                              // oldest first
  std::map<std::string, std::shared_ptr<const ElfSymbols>> tables;  // by build ID, or "path:"
};
std::mutex g_mutex;  // guards the registry
Registry& R() {
  static Registry* registry = new Registry;
  return *registry;
}

int ListModule(dl_phdr_info* info, size_t, void* data) {
  auto* snapshot = static_cast<Snapshot*>(data);
  snapshot->unloads = info->dlpi_subs;
  // The program (""), the vDSO ("linux-vdso.so.1") and the loader's own
  // entries without a path are never unloaded.
  if (info->dlpi_name == nullptr || std::strchr(info->dlpi_name, '/') == nullptr) return 0;
  ListedModule& m = snapshot->modules.emplace_back();
  m.name = info->dlpi_name;
  m.bias = info->dlpi_addr;
  for (size_t i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    m.segments.push_back(
        ElfLoadSegment{ph.p_offset, ph.p_vaddr, ph.p_filesz, ph.p_memsz, (ph.p_flags & PF_X) != 0});
  }
  return 0;
}

Snapshot ListModules() {
  Snapshot snapshot;
  dl_iterate_phdr(ListModule, &snapshot);
  return snapshot;
}

std::string Hex(const uint8_t* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < n; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0xf]);
  }
  return hex;
}

// The build ID from the module's mapped PT_NOTE segments (loaded memory, so
// readable while the module is mapped); "" if none.
std::string MappedBuildId(const link_map* lm) {
  struct Search {
    const link_map* lm;
    std::string id;
  } search{lm, ""};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* s = static_cast<Search*>(data);
        if (info->dlpi_addr != s->lm->l_addr || info->dlpi_name == nullptr ||
            std::strcmp(info->dlpi_name, s->lm->l_name) != 0) {
          return 0;
        }
        for (size_t i = 0; i < info->dlpi_phnum && s->id.empty(); ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const uint64_t align = ph.p_align == 8 ? 8 : 4;
          const auto* p = reinterpret_cast<const uint8_t*>(info->dlpi_addr + ph.p_vaddr);
          uint64_t pos = 0;
          while (ph.p_memsz - pos >= sizeof(ElfW(Nhdr))) {
            ElfW(Nhdr) note;
            std::memcpy(&note, p + pos, sizeof note);
            const uint64_t name = pos + sizeof note;
            const uint64_t desc = name + ((uint64_t{note.n_namesz} + align - 1) & ~(align - 1));
            if (desc > ph.p_memsz || note.n_descsz > ph.p_memsz - desc) break;
            if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
                std::memcmp(p + name, "GNU", 4) == 0) {
              s->id = Hex(p + desc, note.n_descsz);
              break;
            }
            pos = desc + ((uint64_t{note.n_descsz} + align - 1) & ~(align - 1));
          }
        }
        return 1;
      },
      &search);
  return search.id;
}

// The module's symbols, read once per build ID (per path without one).
// `mapped_file` (may be "") reaches the mapped inode itself, for a path that
// now holds another build or nothing. Caller holds g_mutex.
std::shared_ptr<const ElfSymbols> SymbolsLocked(const std::string& path,
                                                const std::string& build_id,
                                                const std::string& mapped_file) {
  const std::string key = build_id.empty() ? "path:" + path : build_id;
  if (auto it = R().tables.find(key); it != R().tables.end()) return it->second;
  if (R().tables.size() >= kMaxUnloadedSymbolTables) return nullptr;
  std::shared_ptr<const ElfSymbols> symbols;
  for (const std::string& file : {path, mapped_file}) {
    if (file.empty()) continue;
    std::optional<ElfSymbols> loaded = ElfSymbols::FromFile(file);
    if (loaded && (build_id.empty() || loaded->build_id() == build_id)) {
      symbols = std::make_shared<const ElfSymbols>(std::move(*loaded));
      break;
    }
  }
  R().tables.emplace(key, symbols);  // a failure too: not retried at every dlclose
  return symbols;
}

std::string Absolute(const std::string& name) {
  if (!name.empty() && name[0] == '/') return name;
  char buf[PATH_MAX];
  return realpath(name.c_str(), buf) != nullptr ? std::string(buf) : name;
}

void RecordLocked(ListedModule&& m) {
  UnloadedModule u;
  u.path = Absolute(m.name);
  u.bias = m.bias;
  u.segments = std::move(m.segments);
  if (m.captured) {
    u.build_id = std::move(m.build_id);
    u.symbols = std::move(m.symbols);
  } else {
    // A library only the closed one needed: its memory is gone, its file
    // is read instead.
    u.symbols = SymbolsLocked(u.path, "", "");
    if (u.symbols != nullptr) u.build_id = u.symbols->build_id();
  }
  // The same module unloaded again at the same place is one record, moved
  // to the end: the newest record wins where records overlap.
  auto same = std::find_if(R().modules.begin(), R().modules.end(), [&](const UnloadedModule& o) {
    return o.bias == u.bias && o.path == u.path && o.build_id == u.build_id;
  });
  if (same != R().modules.end()) {
    std::rotate(same, same + 1, R().modules.end());
    R().modules.back() = std::move(u);
    return;
  }
  if (R().modules.size() < kMaxUnloadedModules) R().modules.push_back(std::move(u));
}

// Mirrors R().recording for the interposer's check, which takes no lock.
std::atomic<bool> g_recording{false};

}  // namespace

void* RecordBeforeDlclose(void* handle) {
  auto* snapshot = new Snapshot(ListModules());
  link_map* lm = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || lm == nullptr || lm->l_name == nullptr) {
    return snapshot;
  }
  for (ListedModule& m : snapshot->modules) {
    if (m.bias != lm->l_addr || m.name != lm->l_name) continue;
    m.build_id = MappedBuildId(lm);
    std::string mapped_file;
    for (const ElfLoadSegment& s : m.segments) {
      if (!s.executable) continue;
      const uintptr_t start = (m.bias + s.vaddr) & ~uintptr_t{4095};
      const uintptr_t end = (m.bias + s.vaddr + s.mem_size + 4095) & ~uintptr_t{4095};
      char buf[80];
      std::snprintf(buf, sizeof buf, "/proc/self/map_files/%" PRIxPTR "-%" PRIxPTR, start, end);
      mapped_file = buf;
      break;
    }
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!R().recording) break;
    m.symbols = SymbolsLocked(Absolute(m.name), m.build_id, mapped_file);
    m.captured = true;
    break;
  }
  return snapshot;
}

void RecordAfterDlclose(void* token) {
  std::unique_ptr<Snapshot> before(static_cast<Snapshot*>(token));
  if (before == nullptr) return;
  const Snapshot now = ListModules();
  if (now.unloads == before->unloads) return;  // nothing was unmapped
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!R().recording) return;
  for (ListedModule& m : before->modules) {
    const bool still_loaded =
        std::any_of(now.modules.begin(), now.modules.end(),
                    [&](const ListedModule& n) { return n.bias == m.bias && n.name == m.name; });
    if (!still_loaded) RecordLocked(std::move(m));
  }
}

void StartRecordingUnloads() {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    R().modules.clear();
    R().tables.clear();
    R().recording = true;
  }
  g_recording.store(true, std::memory_order_release);
}

bool RecordingUnloads() { return g_recording.load(std::memory_order_acquire); }

std::vector<UnloadedModule> StopRecordingUnloads() {
  g_recording.store(false, std::memory_order_release);
  std::lock_guard<std::mutex> lock(g_mutex);
  R().recording = false;
  std::vector<UnloadedModule> modules = std::move(R().modules);
  R().modules.clear();
  R().tables.clear();
  return modules;
}

std::vector<UnloadedModule> UnloadedModules() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return R().modules;
}

size_t UnloadedSymbolTableCount() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return R().tables.size();
}

void ResetUnloadedModulesAfterFork() { new (&g_mutex) std::mutex(); }

}  // namespace lcprof
