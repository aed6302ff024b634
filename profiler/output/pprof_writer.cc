// Building and writing the pprof profile; see pprof_writer.h.
#include "profiler/output/pprof_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "libcall/g_table.h"
#include "libcall/libcall_id.h"
#include "libcall/record.h"
#include "profiler/output/demangle.h"
#include "profiler/output/gzip_writer.h"
#include "profiler/output/pprof_encode.h"
#include "profiler/output/profile_file.h"

namespace lcprof {
namespace {

const char* PseudoFrameName(uintptr_t f) {
  switch (f) {
    case kFrameTruncated:
      return "[truncated: depth limit]";
    case kFrameNoStackBounds:
      return "[unknown: thread stack bounds unknown]";
    case kFrameForeignStack:
      return "[unknown: sp outside thread stack]";
    case kFrameLost:
      return "[lost: stack table full]";
    case kFrameUnsampled:
      return "[unsampled: thread CPU no sample saw]";
    case kFrameSignal:
      return "[signal]";
    case kFrameBrokenChain:
      return "[unknown: broken frame chain]";
    case kFrameDwarfFailed:
      return "[unknown: dwarf step failed]";
    default:
      return "[unknown]";
  }
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Interns strings, functions and locations while the profile is assembled.
class ProfileBuilder {
 public:
  ProfileBuilder(pprof::ProfileModel& p, Symbolizer& sym, const std::string& main_executable)
      : p_(p), sym_(sym), strings_(&p.string_table) {
    AddMappings(main_executable);
  }

  int64_t Str(std::string_view s) { return strings_.Intern(s); }

  // A function by its symbol name and source file; pprof shows `name`
  // (demangled, demangle.h) and keeps the linker's `system_name`.
  uint64_t Function(const std::string& symbol, const std::string& file = "") {
    auto [it, inserted] = functions_.try_emplace(symbol + '\0' + file, functions_.size() + 1);
    if (inserted) {
      pprof::Function& f = p_.function.emplace_back();
      f.id = it->second;
      f.name = Str(Demangle(symbol));
      f.system_name = Str(symbol);
      f.filename = Str(file);
    }
    return it->second;
  }

  // A location for a code address. `exact` is true for the interrupted pc;
  // return addresses are moved back by one byte into the call instruction so
  // that they name the caller's call site, not the next instruction.
  uint64_t CodeLocation(uintptr_t frame, bool exact) {
    uintptr_t address = exact ? frame : frame - 1;
    auto it = code_locations_.find(address);
    if (it != code_locations_.end()) return it->second;
    ResolvedAddress r = sym_.Resolve(address);
    if (r.jit && r.function.empty()) {  // every unnamed address outside a file
      uint64_t id = UnnamedJitLocation(r.mapping_index);
      code_locations_.emplace(address, id);
      return id;
    }
    std::string name = r.function;
    uint64_t mapping_id = 0;
    if (r.mapping_index >= 0) {
      mapping_id = mapping_ids_[static_cast<size_t>(r.mapping_index)];
      if (name.empty()) {
        char off[32];
        snprintf(off, sizeof off, "+0x%llx", static_cast<unsigned long long>(r.module_offset));
        name = Basename(sym_.mappings()[static_cast<size_t>(r.mapping_index)].path) + off;
      }
    }
    uint64_t id = NewLocation(mapping_id, address, name, r.source);
    if (!r.source.empty()) mappings_with_lines_.insert(mapping_id);
    if (r.source.size() > 1) mappings_with_inlines_.insert(mapping_id);
    code_locations_.emplace(address, id);
    location_names_.emplace(id, name);
    return id;
  }

  // A location standing for a name without an address: pseudo-frames and the
  // wrapped call a libcall sample was taken in.
  uint64_t NamedLocation(const std::string& name) {
    auto it = named_locations_.find(name);
    if (it != named_locations_.end()) return it->second;
    uint64_t id = NewLocation(0, 0, name);
    named_locations_.emplace(name, id);
    location_names_.emplace(id, name);
    return id;
  }

  const std::string& LocationName(uint64_t id) const { return location_names_.at(id); }

  // Build IDs and whether lines were found, only for the mappings a
  // location uses: finding a build ID reads the module's file, which a
  // profile without samples (or of a few modules) should not pay for every
  // library in the process.
  void FinishMappings() {
    for (size_t i = 0; i < mapping_ids_.size(); ++i) {
      const uint64_t id = mapping_ids_[i];
      if (used_mappings_.count(id) == 0) continue;
      pprof::Mapping& pm = p_.mapping[id - 1];
      pm.build_id = Str(sym_.BuildId(static_cast<int>(i)));
      pm.has_filenames = pm.has_line_numbers = mappings_with_lines_.count(id) != 0;
      pm.has_inline_frames = mappings_with_inlines_.count(id) != 0;
    }
  }

  // Whether `id` stands for a whole mapping of unnamed JIT code, where
  // consecutive frames are one (UnnamedJitLocation).
  bool IsUnnamedJit(uint64_t id) const { return unnamed_jit_ids_.count(id) != 0; }

  // JIT code no perf map names: one location per anonymous mapping, named
  // "[JIT code]", and one "[unmapped code]" for all addresses in no mapping
  // any more. Addresses there mean nothing after the run, and a row per
  // address would scatter one runtime's time over thousands of rows.
  uint64_t UnnamedJitLocation(int mapping_index) {
    auto it = unnamed_jit_locations_.find(mapping_index);
    if (it != unnamed_jit_locations_.end()) return it->second;
    uint64_t mapping_id = 0;
    uintptr_t address = 0;
    std::string name = "[unmapped code]";
    if (mapping_index >= 0) {
      const size_t i = static_cast<size_t>(mapping_index);
      mapping_id = mapping_ids_[i];
      address = sym_.mappings()[i].start;
      name = "[JIT code]";
    }
    uint64_t id = NewLocation(mapping_id, address, name);
    unnamed_jit_locations_.emplace(mapping_index, id);
    unnamed_jit_ids_.insert(id);
    location_names_.emplace(id, name);
    return id;
  }

 private:
  void AddMappings(const std::string& main_executable) {
    const auto& maps = sym_.mappings();
    mapping_ids_.assign(maps.size(), 0);
    // pprof names the profile after the first mapping: put the program first.
    std::vector<size_t> order;
    for (size_t i = 0; i < maps.size(); ++i) {
      if (maps[i].path == main_executable) order.push_back(i);
    }
    for (size_t i = 0; i < maps.size(); ++i) {
      if (maps[i].path != main_executable) order.push_back(i);
    }
    uint64_t next_id = 1;
    for (size_t i : order) {
      const MemoryMapping& m = maps[i];
      pprof::Mapping& pm = p_.mapping.emplace_back();
      mapping_ids_[i] = next_id;
      pm.id = next_id++;
      pm.memory_start = m.start;
      pm.memory_limit = m.end;
      pm.file_offset = m.file_offset;
      pm.filename = Str(m.path);
      // Names (and lines, where the module has line tables) are resolved
      // here: pprof need not symbolize, and does not unless forced, so the
      // profile reads the same on a machine without the binaries.
      pm.has_functions = true;
    }
  }

  // `source` (may be empty): the functions inlined at the address and the
  // outermost function's line (line_tables.h), which `name` names.
  uint64_t NewLocation(uint64_t mapping_id, uintptr_t address, const std::string& name,
                       const std::vector<SourceFrame>& source = {}) {
    pprof::Location& l = p_.location.emplace_back();
    uint64_t id = p_.location.size();
    l.id = id;
    l.mapping_id = mapping_id;
    l.address = address;
    if (mapping_id != 0) used_mappings_.insert(mapping_id);
    // Function() adds to p_.function and the string table only, so `l`
    // stays valid.
    for (const SourceFrame& f : LocationFrames(name, source)) {
      l.line.push_back({.function_id = Function(f.function, f.file), .line = f.line});
    }
    return id;
  }

  pprof::ProfileModel& p_;
  Symbolizer& sym_;
  pprof::StringTable strings_;
  std::unordered_map<std::string, uint64_t> functions_;
  std::unordered_map<uintptr_t, uint64_t> code_locations_;
  std::unordered_map<std::string, uint64_t> named_locations_;
  std::unordered_map<uint64_t, std::string> location_names_;
  std::unordered_map<int, uint64_t> unnamed_jit_locations_;  // by mapping index, -1: unmapped
  std::unordered_set<uint64_t> unnamed_jit_ids_;
  std::vector<uint64_t> mapping_ids_;
  std::unordered_set<uint64_t> used_mappings_;          // mapping ids some location refers to
  std::unordered_set<uint64_t> mappings_with_lines_;    // ids of mappings a line was found in
  std::unordered_set<uint64_t> mappings_with_inlines_;  // ... and an inlined function
};

// A stack table entry's key as the writer orders it (frames first, for
// deterministic output), and its counts.
struct StackKey {
  std::vector<uintptr_t> frames;
  std::vector<std::pair<uint32_t, uintptr_t>> marks;  // (index, fn)
  int32_t tid = 0;
  uint64_t g = 0;
  bool operator<(const StackKey& o) const {
    return std::tie(frames, marks, tid, g) < std::tie(o.frames, o.marks, o.tid, o.g);
  }
};

struct StackCounts {
  uint64_t samples = 0;
  uint64_t cpu_nanos = 0;
};

// The name of a libcall mark's call: a LibcallId, or a region's static name.
std::string LibcallMarkName(uintptr_t fn) {
  if (fn < libcall::kFirstNamePointer) {
    return libcall::LibcallName(static_cast<libcall::LibcallId>(fn));
  }
  return reinterpret_cast<const char*>(fn);
}

void AddSample(ProfileBuilder& b, pprof::ProfileModel& p, const StackKey& key, const StackCounts& c,
               const std::unordered_map<int32_t, std::string>& thread_names) {
  // The builder adds locations, functions and strings, never samples, so `s`
  // stays valid.
  pprof::Sample& s = p.sample.emplace_back();
  s.location_id.reserve(key.frames.size() + key.marks.size());
  size_t next_mark = 0;
  uint64_t previous = 0;  // the location just added
  for (size_t i = 0; i < key.frames.size(); ++i) {
    // A libcall mark names the wrapped call above the frames walked inside
    // it, unless the frame below already is that call (contract reader rule 2).
    for (; next_mark < key.marks.size() && key.marks[next_mark].first == i; ++next_mark) {
      std::string fn = LibcallMarkName(key.marks[next_mark].second);
      if (!fn.empty() && (previous == 0 || b.LocationName(previous) != fn)) {
        previous = b.NamedLocation(fn);
        s.location_id.push_back(previous);
      }
    }
    uintptr_t f = key.frames[i];
    if (IsPseudoFrame(f)) {
      previous = b.NamedLocation(PseudoFrameName(f));
    } else {
      // The leaf and a pc a signal interrupted are exact; other frames are
      // return addresses.
      bool exact = i == 0 || key.frames[i - 1] == kFrameSignal;
      uint64_t location = b.CodeLocation(f, exact);
      if (location == previous && b.IsUnnamedJit(location)) continue;  // one frame per mapping
      previous = location;
    }
    s.location_id.push_back(previous);
  }
  s.value = {static_cast<int64_t>(c.samples), static_cast<int64_t>(c.cpu_nanos)};
  // Braced initialisers run in order: a key is interned before its value.
  if (key.tid != 0) {
    s.label.push_back({.key = b.Str("thread_id"), .num = key.tid});
    auto name = thread_names.find(key.tid);
    if (name != thread_names.end() && !name->second.empty()) {
      s.label.push_back({.key = b.Str("thread_name"), .str = b.Str(name->second)});
    }
  }
  if (key.g != 0) {
    std::string name = libcall::GName(key.g);
    s.label.push_back(
        {.key = b.Str("g"), .str = b.Str(name.empty() ? "g" + std::to_string(key.g) : name)});
  }
}

}  // namespace

pprof::ProfileModel BuildProfile(const StackTable& table,
                                 const std::unordered_map<int32_t, std::string>& thread_names,
                                 const ProfileMeta& meta, Symbolizer& symbolizer,
                                 CountsBaseline* baseline) {
  pprof::ProfileModel p;
  ProfileBuilder b(p, symbolizer, meta.main_executable);
  p.sample_type.push_back({.type = b.Str("samples"), .unit = b.Str("count")});
  p.sample_type.push_back({.type = b.Str("cpu"), .unit = b.Str("nanoseconds")});
  p.period_type = {.type = b.Str("cpu"), .unit = b.Str("nanoseconds")};
  p.period = meta.period_nanos;
  p.time_nanos = meta.start_time_nanos;
  p.duration_nanos = meta.duration_nanos;
  p.default_sample_type = b.Str("cpu");

  // Deterministic output: samples sorted by stack.
  std::map<StackKey, StackCounts> ordered;
  table.ForEachStack([&ordered, baseline](const StackTable::StackView& v) {
    CountsBaseline::Counts before;
    if (baseline != nullptr) {
      if (auto it = baseline->stacks.find(v.frames); it != baseline->stacks.end())
        before = it->second;
    }
    // CPU time alone can have grown: an Add between the reads of the two
    // counts leaves its CPU time to the next profile.
    if (v.samples <= before.samples && v.cpu_nanos <= before.cpu_nanos) return;
    if (baseline != nullptr) baseline->stacks[v.frames] = {v.samples, v.cpu_nanos};
    StackKey key;
    key.frames.assign(v.frames, v.frames + v.depth);
    for (uint32_t i = 0; i < v.marks; ++i) key.marks.emplace_back(v.mark(i).index, v.mark(i).fn);
    key.tid = v.tid;
    key.g = v.g;
    StackCounts& c = ordered[std::move(key)];
    c.samples += v.samples - before.samples;
    c.cpu_nanos += v.cpu_nanos > before.cpu_nanos ? v.cpu_nanos - before.cpu_nanos : 0;
  });
  for (const auto& [key, counts] : ordered) AddSample(b, p, key, counts, thread_names);
  const CountsBaseline::Counts lost_before =
      baseline != nullptr ? baseline->lost : CountsBaseline::Counts{};
  const uint64_t lost_samples = table.lost_samples(), lost_cpu = table.lost_cpu_nanos();
  if (lost_samples > lost_before.samples || lost_cpu > lost_before.cpu_nanos) {
    StackKey lost;
    lost.frames = {kFrameLost};
    if (baseline != nullptr) baseline->lost = {lost_samples, lost_cpu};
    AddSample(b, p, lost,
              StackCounts{lost_samples - lost_before.samples,
                          lost_cpu > lost_before.cpu_nanos ? lost_cpu - lost_before.cpu_nanos : 0},
              {});
  }
  for (const std::string& comment : meta.comments) p.comment.push_back(b.Str(comment));
  if (const std::vector<std::string>& left = symbolizer.lines_left_out(); !left.empty()) {
    std::string modules;
    for (const std::string& m : left) modules += (modules.empty() ? "" : ", ") + m;
    p.comment.push_back(b.Str("lcprof: file:line not read for " + modules +
                              ": debug info too large to inflate in the profiled process; "
                              "`lcprof record` or LCPROF_LINES=all reads it"));
  }
  b.FinishMappings();
  return p;
}

bool WriteProfileFile(const pprof::ProfileModel& profile, const std::string& path,
                      std::string* error) {
  std::string tmp, create_error;
  int fd = CreateProfileTemp(path, &tmp, &create_error);
  if (fd < 0) {
    *error = "cannot create a file beside '" + path + "': " + create_error;
    return false;
  }
  std::string write_error;
  // A profile without samples (a short process's, a root that only waited)
  // is stored: loading zlib would cost more than the bytes it saves.
  const GzipMethod method = profile.sample.empty() ? GzipMethod::kStored : GzipMethod::kAuto;
  bool ok = WriteGzip(fd, pprof::EncodeProfile(profile), method, &write_error);
  // close() reports a delayed write error (NFS, quota) the writes did not.
  if (close(fd) != 0 && ok) {
    write_error = strerror(errno);
    ok = false;
  }
  if (ok) return PublishProfileTemp(tmp, path, error);
  *error = "cannot write '" + tmp + "': " + (write_error.empty() ? "error" : write_error);
  unlink(tmp.c_str());
  return false;
}

bool CheckOutputWritable(const std::string& path, std::string* error) {
  // The directory must take a new file (the temporary) and a rename. access()
  // asks that without creating an inode at every process start.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    *error = strerror(errno);
    return false;
  }
  return true;
}

}  // namespace lcprof
