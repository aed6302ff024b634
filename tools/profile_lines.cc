// Adding file:line after the run; see profile_lines.h.
#include "tools/profile_lines.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "profiler/output/demangle.h"
#include "profiler/output/elf_symbols.h"
#include "profiler/output/line_tables.h"

namespace lcprof::tools {
namespace {

using perftools::profiles::Function;
using perftools::profiles::Location;
using perftools::profiles::Mapping;
using perftools::profiles::Profile;

// A module whose tables are open, and the mapping (of the profile) it backs.
struct OpenModule {
  Mapping* mapping = nullptr;
  std::optional<ElfSymbols> elf;  // for file offset -> ELF virtual address
  std::unique_ptr<LineTables> lines;
  bool gained = false;
  bool inlined = false;
};

// Strings and functions of the profile, interned: equal ones are shared,
// new ones appended.
class Interner {
 public:
  explicit Interner(Profile* p) : p_(p) {
    for (int i = 0; i < p->string_table_size(); ++i) strings_.try_emplace(p->string_table(i), i);
    for (const Function& f : p->function()) {
      functions_.try_emplace(std::tuple(f.name(), f.system_name(), f.filename()), f.id());
      next_id_ = std::max(next_id_, f.id() + 1);
    }
  }

  int64_t Str(const std::string& s) {
    auto [it, added] = strings_.try_emplace(s, p_->string_table_size());
    if (added) p_->add_string_table(s);
    return it->second;
  }

  // `system_name` as linked; the name shown is its demangled form.
  uint64_t FunctionId(const std::string& system_name, const std::string& file) {
    const auto key = std::tuple(Str(Demangle(system_name)), Str(system_name), Str(file));
    auto [it, added] = functions_.try_emplace(key, next_id_);
    if (added) {
      Function* f = p_->add_function();
      f->set_id(next_id_++);
      f->set_name(std::get<0>(key));
      f->set_system_name(std::get<1>(key));
      f->set_filename(std::get<2>(key));
    }
    return it->second;
  }

 private:
  Profile* p_;
  std::unordered_map<std::string, int64_t> strings_;
  std::map<std::tuple<int64_t, int64_t, int64_t>, uint64_t> functions_;
  uint64_t next_id_ = 1;
};

std::string StringAt(const Profile& p, int64_t index) {
  return index >= 0 && index < p.string_table_size() ? p.string_table(static_cast<int>(index)) : "";
}

}  // namespace

int AddSourceLines(Profile* profile, const std::string& debug_root) {
  std::unordered_map<uint64_t, OpenModule> modules;  // by mapping id
  for (Mapping& m : *profile->mutable_mapping()) {
    const std::string path = StringAt(*profile, m.filename());
    if (m.has_line_numbers() || !m.has_functions() || path.empty() || path[0] != '/') continue;
    const std::string build_id = StringAt(*profile, m.build_id());
    OpenModule module;
    module.mapping = &m;
    module.elf = ElfSymbols::FromFile(path, debug_root);
    if (!module.elf || (!build_id.empty() && module.elf->build_id() != build_id)) continue;
    const ElfDwarf& dwarf = module.elf->dwarf();
    if (!dwarf.in_module && !dwarf.in_build_id_file && dwarf.debuglink.empty()) continue;
    module.lines = LineTables::Open(path, build_id, debug_root);
    if (module.lines != nullptr) modules.emplace(m.id(), std::move(module));
  }
  if (modules.empty()) return 0;

  std::unordered_map<uint64_t, std::string> symbol_of;  // function id -> system name
  for (const Function& f : profile->function()) {
    symbol_of.emplace(f.id(), StringAt(*profile, f.system_name()));
  }
  Interner interner(profile);
  for (Location& l : *profile->mutable_location()) {
    auto it = modules.find(l.mapping_id());
    // One line is the writer's symbol-only location; more already has lines.
    if (it == modules.end() || l.address() == 0 || l.line_size() != 1) continue;
    OpenModule& module = it->second;
    const Mapping& m = *module.mapping;
    if (l.address() < m.memory_start()) continue;
    const std::optional<uint64_t> vaddr =
        module.elf->FileOffsetToVaddr(l.address() - m.memory_start() + m.file_offset());
    if (!vaddr) continue;
    const std::vector<SourceFrame> source = module.lines->Lookup(*vaddr);
    if (source.empty()) continue;
    const std::string symbol = symbol_of[l.line(0).function_id()];
    l.clear_line();
    for (const SourceFrame& frame : LocationFrames(symbol, source)) {
      auto* line = l.add_line();
      line->set_function_id(interner.FunctionId(frame.function, frame.file));
      line->set_line(frame.line);
    }
    module.gained = true;
    module.inlined |= source.size() > 1;
  }
  int gained = 0;
  for (auto& [id, module] : modules) {
    if (!module.gained) continue;
    module.mapping->set_has_filenames(true);
    module.mapping->set_has_line_numbers(true);
    if (module.inlined) module.mapping->set_has_inline_frames(true);
    ++gained;
  }
  return gained;
}

}  // namespace lcprof::tools
