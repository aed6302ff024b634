// Source lines through a dlopen'ed libdw; see line_tables.h.
#include "profiler/output/line_tables.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>    // types only: the functions come from dlsym
#include <elfutils/libdwfl.h>  // types only
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace lcprof {
namespace {

// The libdwfl entry points, resolved in libdw.so.1 by name. Types come from
// the header, so a mismatch fails to compile instead of at run time.
struct Libdw {
  decltype(&::dwfl_begin) begin = nullptr;
  decltype(&::dwfl_end) end = nullptr;
  decltype(&::dwfl_report_begin) report_begin = nullptr;
  decltype(&::dwfl_report_elf) report_elf = nullptr;
  decltype(&::dwfl_report_end) report_end = nullptr;
  decltype(&::dwfl_module_build_id) build_id = nullptr;
  decltype(&::dwfl_module_info) info = nullptr;
  decltype(&::dwfl_module_getsrc) getsrc = nullptr;
  decltype(&::dwfl_lineinfo) lineinfo = nullptr;
  decltype(&::dwfl_offline_section_address) section_address = nullptr;
  // Inlined functions: the scopes (DIEs) around an address.
  decltype(&::dwfl_module_getdwarf) getdwarf = nullptr;
  decltype(&::dwarf_addrdie) addrdie = nullptr;
  decltype(&::dwarf_child) child = nullptr;
  decltype(&::dwarf_siblingof) siblingof = nullptr;
  decltype(&::dwarf_haschildren) haschildren = nullptr;
  decltype(&::dwarf_ranges) ranges = nullptr;
  decltype(&::dwarf_dieoffset) dieoffset = nullptr;
  decltype(&::dwarf_tag) tag = nullptr;
  decltype(&::dwarf_attr) attr = nullptr;
  decltype(&::dwarf_attr_integrate) attr_integrate = nullptr;
  decltype(&::dwarf_formudata) formudata = nullptr;
  decltype(&::dwarf_formstring) formstring = nullptr;
  decltype(&::dwarf_getsrcfiles) getsrcfiles = nullptr;
  decltype(&::dwarf_filesrc) filesrc = nullptr;
  bool ok() const {
    return begin && end && report_begin && report_elf && report_end && build_id && info && getsrc &&
           lineinfo && section_address && getdwarf && addrdie && child && siblingof &&
           haschildren && ranges && dieoffset && tag && attr && attr_integrate && formudata &&
           formstring && getsrcfiles && filesrc;
  }
};

// Sanitizer runtimes end the process when dlopen is asked for RTLD_DEEPBIND
// (gzip_writer.cc has the same check); this function is in all of them.
bool SanitizerRuntimeLoaded() {
  return dlsym(RTLD_DEFAULT, "__sanitizer_set_report_path") != nullptr;
}

// RTLD_LOCAL keeps libdw's names (and libelf's, libz's, liblzma's it
// brings) out of the program's namespace; RTLD_DEEPBIND binds them to each
// other, not to a program that defines the same names.
Libdw OpenLibdw() {
  Libdw d;
  if (SanitizerRuntimeLoaded()) return d;
  void* lib = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (lib == nullptr) return d;
  auto get = [lib](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
  };
  get(d.begin, "dwfl_begin");
  get(d.end, "dwfl_end");
  get(d.report_begin, "dwfl_report_begin");
  get(d.report_elf, "dwfl_report_elf");
  get(d.report_end, "dwfl_report_end");
  get(d.build_id, "dwfl_module_build_id");
  get(d.info, "dwfl_module_info");
  get(d.getsrc, "dwfl_module_getsrc");
  get(d.lineinfo, "dwfl_lineinfo");
  get(d.section_address, "dwfl_offline_section_address");
  get(d.getdwarf, "dwfl_module_getdwarf");
  get(d.addrdie, "dwarf_addrdie");
  get(d.child, "dwarf_child");
  get(d.siblingof, "dwarf_siblingof");
  get(d.haschildren, "dwarf_haschildren");
  get(d.ranges, "dwarf_ranges");
  get(d.dieoffset, "dwarf_dieoffset");
  get(d.tag, "dwarf_tag");
  get(d.attr, "dwarf_attr");
  get(d.attr_integrate, "dwarf_attr_integrate");
  get(d.formudata, "dwarf_formudata");
  get(d.formstring, "dwarf_formstring");
  get(d.getsrcfiles, "dwarf_getsrcfiles");
  get(d.filesrc, "dwarf_filesrc");
  if (!d.ok()) {
    dlclose(lib);
    return Libdw{};
  }
  return d;  // the handle is kept open: the functions stay valid
}

// Opened once per process, on first use (thread-safe static initialisation).
const Libdw& LoadedLibdw() {
  static const Libdw d = OpenLibdw();
  return d;
}

std::string Hex(const unsigned char* bytes, int n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < n; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0xf]);
  }
  return hex;
}

// libdwfl asks for the main file only when it was not given one: never here.
int FindNoElf(Dwfl_Module*, void**, const char*, Dwarf_Addr, char**, Elf**) { return -1; }

// The debug file of a module without DWARF of its own, from
// DebugFileCandidates. libdwfl's own search (dwfl_standard_find_debuginfo)
// ends in elfutils' debuginfod client, which would load libcurl and a TLS
// stack into the program, and ask a server on the network when
// DEBUGINFOD_URLS is set, as the profile is written: never wanted here.
int FindDebugFile(Dwfl_Module* module, void** user, const char*, Dwarf_Addr, const char* file_name,
                  const char* debuglink, GElf_Word, char** found) {
  const Libdw& d = LoadedLibdw();
  if (user == nullptr || *user == nullptr) return -1;
  const std::string& debug_root = *static_cast<const std::string*>(*user);
  const unsigned char* bits = nullptr;
  GElf_Addr vaddr = 0;
  const int n = d.build_id(module, &bits, &vaddr);
  const std::string id = n > 1 ? Hex(bits, n) : "";
  for (const std::string& c :
       LineTables::DebugFileCandidates(file_name != nullptr ? file_name : "", id,
                                       debuglink != nullptr ? debuglink : "", debug_root)) {
    const int fd = open(c.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    *found = strdup(c.c_str());  // libdwfl frees it
    return fd;
  }
  return -1;
}

// Where a function was inlined: one address range of a
// DW_TAG_inlined_subroutine, and how many inlined subroutines enclose it.
struct InlinedRange {
  Dwarf_Addr low = 0, high = 0;  // [low, high)
  int depth = 0;
  Dwarf_Die die;
};

// Every inlined range in the DIEs below `parent`. One walk per compile unit
// serves all its addresses: dwarf_getscopes walks the unit again for every
// address, which took seconds for a few hundred addresses in C++ units.
void CollectInlined(const Libdw& d, Dwarf_Die* parent, int depth, std::vector<InlinedRange>* out) {
  Dwarf_Die child;
  if (d.child(parent, &child) != 0) return;
  do {
    int inner = depth;
    if (d.tag(&child) == DW_TAG_inlined_subroutine) {
      Dwarf_Addr base = 0, low = 0, high = 0;
      for (ptrdiff_t at = 0; (at = d.ranges(&child, at, &base, &low, &high)) > 0;) {
        out->push_back(InlinedRange{low, high, depth, child});
      }
      inner = depth + 1;
    }
    if (d.haschildren(&child) > 0) CollectInlined(d, &child, inner, out);
  } while (d.siblingof(&child, &child) == 0);
}

}  // namespace

// One libdwfl session holding one module reported at bias 0, so module
// addresses are the ELF's own virtual addresses.
struct LineTables::Session {
  std::string debug_root;  // FindDebugFile's, through the module's user data
  Dwfl_Callbacks callbacks{};
  Dwfl* dwfl = nullptr;
  Dwfl_Module* module = nullptr;
  // By compile unit (its DIE offset): the unit's inlined ranges, collected
  // on the first address in it.
  std::map<Dwarf_Off, std::vector<InlinedRange>> inlined;
  ~Session() {
    if (dwfl != nullptr) LoadedLibdw().end(dwfl);
  }
};

std::vector<SourceFrame> LocationFrames(const std::string& symbol,
                                        const std::vector<SourceFrame>& source) {
  if (source.empty()) return {SourceFrame{symbol, "", 0}};
  std::vector<SourceFrame> frames = source;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (i + 1 == frames.size() || frames[i].function.empty()) frames[i].function = symbol;
  }
  return frames;
}

bool LineTables::Available() { return LoadedLibdw().ok(); }

std::vector<std::string> LineTables::DebugFileCandidates(const std::string& path,
                                                         const std::string& build_id,
                                                         const std::string& debuglink,
                                                         const std::string& debug_root) {
  std::vector<std::string> candidates;
  if (build_id.size() > 2) {
    candidates.push_back(debug_root + "/.build-id/" + build_id.substr(0, 2) + "/" +
                         build_id.substr(2) + ".debug");
  }
  if (!debuglink.empty() && debuglink.find('/') == std::string::npos && !path.empty()) {
    const size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    for (const std::string& c : {dir + "/" + debuglink, dir + "/.debug/" + debuglink,
                                 debug_root + dir + "/" + debuglink}) {
      if (c != path) candidates.push_back(c);
    }
  }
  return candidates;
}

LineTables::LineTables(std::unique_ptr<Session> session) : session_(std::move(session)) {}
LineTables::~LineTables() = default;

std::unique_ptr<LineTables> LineTables::Open(const std::string& path, const std::string& build_id,
                                             const std::string& debug_root) {
  const Libdw& d = LoadedLibdw();
  if (!d.ok()) return nullptr;
  auto s = std::make_unique<Session>();
  s->debug_root = debug_root;
  s->callbacks.find_elf = FindNoElf;
  s->callbacks.find_debuginfo = FindDebugFile;
  s->callbacks.section_address = d.section_address;
  s->dwfl = d.begin(&s->callbacks);
  if (s->dwfl == nullptr) return nullptr;
  d.report_begin(s->dwfl);
  s->module = d.report_elf(s->dwfl, path.c_str(), path.c_str(), -1, 0, true);
  d.report_end(s->dwfl, nullptr, nullptr);
  if (s->module == nullptr) return nullptr;
  void** user = nullptr;
  d.info(s->module, &user, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  if (user != nullptr) *user = &s->debug_root;
  if (!build_id.empty()) {
    const unsigned char* bits = nullptr;
    GElf_Addr vaddr = 0;
    const int n = d.build_id(s->module, &bits, &vaddr);
    if (n <= 0 || Hex(bits, n) != build_id) return nullptr;  // replaced since it was mapped
  }
  return std::unique_ptr<LineTables>(new LineTables(std::move(s)));
}

std::vector<SourceFrame> LineTables::Lookup(uint64_t vaddr) const {
  const Libdw& d = LoadedLibdw();
  Dwfl_Line* line = d.getsrc(session_->module, vaddr);
  if (line == nullptr) return {};
  int lineno = 0;
  const char* file = d.lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr);
  if (file == nullptr || lineno <= 0) return {};
  std::vector<SourceFrame> frames;
  SourceFrame here{"", file, lineno};  // where the code of the current scope runs

  // The functions inlined at the address, innermost (deepest) first; each
  // records where it was called from in the function around it.
  Dwarf_Addr bias = 0;
  Dwarf* dwarf = d.getdwarf(session_->module, &bias);
  Dwarf_Die cu;
  std::vector<const InlinedRange*> around;
  const Dwarf_Addr pc = vaddr - bias;
  if (dwarf != nullptr && d.addrdie(dwarf, pc, &cu) != nullptr) {
    auto [unit, first] = session_->inlined.try_emplace(d.dieoffset(&cu));
    if (first) CollectInlined(d, &cu, 0, &unit->second);
    for (const InlinedRange& r : unit->second) {
      if (pc >= r.low && pc < r.high) around.push_back(&r);
    }
    std::stable_sort(
        around.begin(), around.end(),
        [](const InlinedRange* a, const InlinedRange* b) { return a->depth > b->depth; });
  }
  Dwarf_Files* files = nullptr;
  size_t file_count = 0;
  for (const InlinedRange* r : around) {
    Dwarf_Die die = r->die;
    Dwarf_Attribute a;
    const char* name = nullptr;
    for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name, DW_AT_name}) {
      if (d.attr_integrate(&die, at, &a) != nullptr && (name = d.formstring(&a))) break;
    }
    here.function = name != nullptr ? name : "";
    frames.push_back(here);
    Dwarf_Word value = 0;
    here = SourceFrame{};
    if (d.attr(&die, DW_AT_call_line, &a) != nullptr && d.formudata(&a, &value) == 0) {
      here.line = static_cast<int64_t>(value);
    }
    if (d.attr(&die, DW_AT_call_file, &a) != nullptr && d.formudata(&a, &value) == 0 &&
        (files != nullptr || d.getsrcfiles(&cu, &files, &file_count) == 0) && value < file_count) {
      if (const char* f = d.filesrc(files, value, nullptr, nullptr)) here.file = f;
    }
  }
  here.function.clear();
  frames.push_back(here);
  return frames;
}

}  // namespace lcprof
