// Merging a process tree's profiles; see profile_merge.h.
#include "tools/profile_merge.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace lcprof::tools {
namespace {

using perftools::profiles::Profile;

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The index of the value of type `type`, or -1.
int ValueIndex(const Profile& p, const char* type) {
  for (int i = 0; i < p.sample_type_size(); ++i) {
    if (p.string_table(static_cast<int>(p.sample_type(i).type())) == type) return i;
  }
  return -1;
}

// Keys that make two objects of different profiles the same object of the
// merged one. Strings are merged-table indexes, ids merged ids.
using MappingKey = std::tuple<int64_t, int64_t, uint64_t, uint64_t, uint64_t>;
using FunctionKey = std::tuple<int64_t, int64_t, int64_t, int64_t>;
using LocationKey = std::tuple<uint64_t, uint64_t, bool, std::vector<std::pair<uint64_t, int64_t>>>;

// The merged profile, grown one process at a time. Each Add maps the input's
// string indexes and ids to merged ones; the maps live only for that call.
class TreeMerger {
 public:
  explicit TreeMerger(Profile* out) : out_(*out) {
    out_.Clear();
    Str("");  // string_table[0] is ""
  }

  int64_t Str(const std::string& s) {
    auto [it, inserted] = strings_.try_emplace(s, out_.string_table_size());
    if (inserted) out_.add_string_table(s);
    return it->second;
  }

  // False, with *why, when `in` cannot join: its sample types differ from
  // the first profile's.
  bool Add(pid_t pid, const Profile& in, std::string* why) {
    in_ = &in;
    remap_.assign(static_cast<size_t>(in.string_table_size()), -1);
    if (first_) {
      TakeHeader(in);
    } else if (!SameSampleTypes(in)) {
      *why = "its sample types differ from the first profile's";
      return false;
    }
    std::unordered_map<uint64_t, uint64_t> mappings, functions, locations;
    for (const auto& m : in.mapping()) mappings[m.id()] = AddMapping(m);
    for (const auto& f : in.function()) {
      FunctionKey key{S(f.name()), S(f.system_name()), S(f.filename()), f.start_line()};
      auto [it, inserted] = functions_.try_emplace(key, out_.function_size() + 1);
      if (inserted) {
        auto* g = out_.add_function();
        g->set_id(it->second);
        g->set_name(std::get<0>(key));
        g->set_system_name(std::get<1>(key));
        g->set_filename(std::get<2>(key));
        g->set_start_line(f.start_line());
      }
      functions[f.id()] = it->second;
    }
    for (const auto& l : in.location()) {
      std::vector<std::pair<uint64_t, int64_t>> lines;
      for (const auto& line : l.line())
        lines.emplace_back(functions.at(line.function_id()), line.line());
      const uint64_t mapping = l.mapping_id() == 0 ? 0 : mappings.at(l.mapping_id());
      LocationKey key{mapping, l.address(), l.is_folded(), std::move(lines)};
      auto [it, inserted] = locations_.try_emplace(key, out_.location_size() + 1);
      if (inserted) {
        auto* m = out_.add_location();
        m->set_id(it->second);
        m->set_mapping_id(mapping);
        m->set_address(l.address());
        m->set_is_folded(l.is_folded());
        for (const auto& [function, line] : std::get<3>(it->first)) {
          auto* ml = m->add_line();
          ml->set_function_id(function);
          ml->set_line(line);
        }
      }
      locations[l.id()] = it->second;
    }
    const std::string program = Basename(ProgramPath(in));
    const int64_t pid_key = Str("pid");
    const int64_t program_key = Str("program");
    const int64_t program_str = Str(program.empty() ? "?" : program);
    for (const auto& s : in.sample()) {
      auto* t = out_.add_sample();
      for (uint64_t id : s.location_id()) t->add_location_id(locations.at(id));
      *t->mutable_value() = s.value();
      for (const auto& label : s.label()) {
        auto* u = t->add_label();
        u->set_key(S(label.key()));
        if (label.str() != 0) u->set_str(S(label.str()));
        u->set_num(label.num());
        if (label.num_unit() != 0) u->set_num_unit(S(label.num_unit()));
      }
      auto* p = t->add_label();
      p->set_key(pid_key);
      p->set_num(pid);
      auto* n = t->add_label();
      n->set_key(program_key);
      n->set_str(program_str);
    }
    if (in.time_nanos() != 0) {
      start_ = std::min(start_, in.time_nanos());
      end_ = std::max(end_, in.time_nanos() + in.duration_nanos());
    }
    if (in.drop_frames() != 0)
      drop_frames_.insert(in.string_table(static_cast<int>(in.drop_frames())));
    if (in.keep_frames() != 0)
      keep_frames_.insert(in.string_table(static_cast<int>(in.keep_frames())));
    first_ = false;
    return true;
  }

  void Finish(const std::vector<std::string>& comments) {
    if (start_ != std::numeric_limits<int64_t>::max()) {
      out_.set_time_nanos(start_);
      out_.set_duration_nanos(end_ - start_);
    }
    auto join = [this](const std::set<std::string>& regexes) -> int64_t {
      if (regexes.empty()) return 0;
      std::string all;
      for (const std::string& r : regexes) all += (all.empty() ? "" : "|") + r;
      return Str(all);
    };
    out_.set_drop_frames(join(drop_frames_));
    out_.set_keep_frames(join(keep_frames_));
    for (const std::string& c : comments) out_.add_comment(Str(c));
  }

 private:
  // The input's string `i` in the merged table.
  int64_t S(int64_t i) {
    int64_t& merged = remap_[static_cast<size_t>(i)];
    if (merged < 0) merged = Str(in_->string_table(static_cast<int>(i)));
    return merged;
  }

  void TakeHeader(const Profile& in) {
    for (const auto& t : in.sample_type()) {
      auto* u = out_.add_sample_type();
      u->set_type(S(t.type()));
      u->set_unit(S(t.unit()));
    }
    if (in.has_period_type()) {
      out_.mutable_period_type()->set_type(S(in.period_type().type()));
      out_.mutable_period_type()->set_unit(S(in.period_type().unit()));
    }
    out_.set_period(in.period());
    if (in.default_sample_type() != 0) out_.set_default_sample_type(S(in.default_sample_type()));
  }

  bool SameSampleTypes(const Profile& in) {
    if (in.sample_type_size() != out_.sample_type_size()) return false;
    for (int i = 0; i < in.sample_type_size(); ++i) {
      if (S(in.sample_type(i).type()) != out_.sample_type(i).type() ||
          S(in.sample_type(i).unit()) != out_.sample_type(i).unit()) {
        return false;
      }
    }
    return true;
  }

  // The same file, build ID and address range in two processes is one
  // mapping (a forked child's copy of its parent's, or a non-PIE binary). The
  // has_* flags stay set only when every process's copy has them, so pprof
  // symbolizes a mapping any process left to it.
  uint64_t AddMapping(const perftools::profiles::Mapping& m) {
    MappingKey key{S(m.filename()), S(m.build_id()), m.memory_start(), m.memory_limit(),
                   m.file_offset()};
    auto [it, inserted] = mappings_.try_emplace(key, out_.mapping_size() + 1);
    auto* n =
        inserted ? out_.add_mapping() : out_.mutable_mapping(static_cast<int>(it->second - 1));
    if (inserted) {
      n->set_id(it->second);
      n->set_memory_start(m.memory_start());
      n->set_memory_limit(m.memory_limit());
      n->set_file_offset(m.file_offset());
      n->set_filename(std::get<0>(key));
      n->set_build_id(std::get<1>(key));
      n->set_has_functions(m.has_functions());
      n->set_has_filenames(m.has_filenames());
      n->set_has_line_numbers(m.has_line_numbers());
      n->set_has_inline_frames(m.has_inline_frames());
    } else {
      n->set_has_functions(n->has_functions() && m.has_functions());
      n->set_has_filenames(n->has_filenames() && m.has_filenames());
      n->set_has_line_numbers(n->has_line_numbers() && m.has_line_numbers());
      n->set_has_inline_frames(n->has_inline_frames() && m.has_inline_frames());
    }
    return it->second;
  }

  Profile& out_;
  const Profile* in_ = nullptr;
  std::vector<int64_t> remap_;  // the input's string indexes; -1 until used
  bool first_ = true;
  std::unordered_map<std::string, int64_t> strings_;
  std::map<MappingKey, uint64_t> mappings_;
  std::map<FunctionKey, uint64_t> functions_;
  std::map<LocationKey, uint64_t> locations_;
  int64_t start_ = std::numeric_limits<int64_t>::max();
  int64_t end_ = 0;
  std::set<std::string> drop_frames_, keep_frames_;
};

// "N samples, M lost", as session.cc writes it, after "lcprof: ".
bool IsTotalsComment(const std::string& text) {
  const size_t digits = text.find_first_not_of("0123456789");
  return digits != 0 && digits != std::string::npos &&
         text.compare(digits, 10, " samples, ") == 0 && text.size() > 5 &&
         text.compare(text.size() - 5, 5, " lost") == 0;
}

std::string CountsText(const SampleCounts& c) {
  return std::to_string(c.samples) + " samples, " + std::to_string(c.lost) + " lost";
}

}  // namespace

SampleCounts CountSamples(const Profile& p) {
  SampleCounts counts;
  // The stack table's lost samples are one sample whose only frame is "[lost...]".
  std::unordered_set<uint64_t> lost_functions, lost_locations;
  for (const auto& fn : p.function()) {
    if (p.string_table(static_cast<int>(fn.name())).rfind("[lost", 0) == 0) {
      lost_functions.insert(fn.id());
    }
  }
  for (const auto& loc : p.location()) {
    if (loc.line_size() == 1 && lost_functions.count(loc.line(0).function_id()) != 0) {
      lost_locations.insert(loc.id());
    }
  }
  const int v = std::max(ValueIndex(p, "samples"), 0);
  const int cpu = ValueIndex(p, "cpu");
  for (const auto& sample : p.sample()) {
    if (sample.value_size() <= std::max(v, cpu)) continue;
    const bool lost =
        sample.location_id_size() == 1 && lost_locations.count(sample.location_id(0)) != 0;
    (lost ? counts.lost : counts.samples) += sample.value(v);
    if (!lost && cpu >= 0) counts.cpu_nanos += sample.value(cpu);
  }
  return counts;
}

std::string ProgramPath(const Profile& p) {
  return p.mapping_size() == 0 ? "" : p.string_table(static_cast<int>(p.mapping(0).filename()));
}

bool ProfileIsConsistent(const Profile& p, std::string* why) {
  const int64_t strings = p.string_table_size();
  auto bad_string = [strings](int64_t i) { return i < 0 || i >= strings; };
  if (strings == 0 || !p.string_table(0).empty()) {
    *why = "its string table does not start with \"\"";
    return false;
  }
  for (const auto& t : p.sample_type()) {
    if (bad_string(t.type()) || bad_string(t.unit())) return *why = "bad sample type", false;
  }
  if (bad_string(p.period_type().type()) || bad_string(p.period_type().unit()) ||
      bad_string(p.drop_frames()) || bad_string(p.keep_frames()) ||
      bad_string(p.default_sample_type())) {
    return *why = "a string index out of range", false;
  }
  for (int64_t c : p.comment()) {
    if (bad_string(c)) return *why = "a comment's string index out of range", false;
  }
  std::unordered_set<uint64_t> mappings, functions, locations;
  for (const auto& m : p.mapping()) {
    if (m.id() == 0 || !mappings.insert(m.id()).second || bad_string(m.filename()) ||
        bad_string(m.build_id())) {
      return *why = "a bad mapping", false;
    }
  }
  for (const auto& f : p.function()) {
    if (f.id() == 0 || !functions.insert(f.id()).second || bad_string(f.name()) ||
        bad_string(f.system_name()) || bad_string(f.filename())) {
      return *why = "a bad function", false;
    }
  }
  for (const auto& l : p.location()) {
    if (l.id() == 0 || !locations.insert(l.id()).second ||
        (l.mapping_id() != 0 && mappings.count(l.mapping_id()) == 0)) {
      return *why = "a bad location", false;
    }
    for (const auto& line : l.line()) {
      if (functions.count(line.function_id()) == 0) return *why = "a bad location line", false;
    }
  }
  for (const auto& s : p.sample()) {
    if (s.value_size() != p.sample_type_size()) return *why = "a sample's values", false;
    for (uint64_t id : s.location_id()) {
      if (locations.count(id) == 0) return *why = "a sample's location", false;
    }
    for (const auto& label : s.label()) {
      if (bad_string(label.key()) || bad_string(label.str()) || bad_string(label.num_unit())) {
        return *why = "a sample's label", false;
      }
    }
  }
  return true;
}

int MergeProfiles(const std::vector<ProcessProfile>& processes, Profile* out,
                  std::vector<std::string>* skipped) {
  TreeMerger merger(out);
  std::vector<std::string> per_process;
  SampleCounts total;
  int merged = 0;
  std::set<pid_t> merged_pids;  // a process that exec'd gave one profile per image
  for (const ProcessProfile& p : processes) {
    std::string why;
    if (!merger.Add(p.pid, p.profile, &why)) {
      skipped->push_back("lcprof: left out the profile of process " + std::to_string(p.pid) + ": " +
                         why);
      continue;
    }
    ++merged;
    merged_pids.insert(p.pid);
    const SampleCounts c = CountSamples(p.profile);
    total.samples += c.samples;
    total.lost += c.lost;
    const std::string program = Basename(ProgramPath(p.profile));
    per_process.push_back("lcprof: pid " + std::to_string(p.pid) + " (" + program +
                          (p.command ? ", the command" : "") + "): " + CountsText(c));
  }
  std::vector<std::string> comments;
  const size_t pids = merged_pids.size();
  comments.push_back("lcprof: " + std::to_string(pids) + " process" + (pids == 1 ? "" : "es") +
                     " merged by lcprof record: " + CountsText(total));
  comments.insert(comments.end(), per_process.begin(), per_process.end());
  if (!processes.empty() && processes[0].command) {
    const Profile& root = processes[0].profile;
    const std::string prefix = "lcprof: pid " + std::to_string(processes[0].pid) + ": ";
    for (int64_t c : root.comment()) {
      std::string text = root.string_table(static_cast<int>(c));
      if (text.rfind("lcprof: ", 0) == 0) text = text.substr(8);
      if (IsTotalsComment(text)) continue;  // its per-process line says the same
      comments.push_back(prefix + text);
    }
  }
  merger.Finish(comments);
  return static_cast<int>(pids);
}

}  // namespace lcprof::tools
