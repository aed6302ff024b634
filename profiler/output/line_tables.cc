// Source lines through a dlopen'ed libdw; see line_tables.h.
#include "profiler/output/line_tables.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>    // types only: the functions come from dlsym
#include <elfutils/libdwfl.h>  // types only

#include <cstdlib>
#include <cstring>

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
  decltype(&::dwfl_module_getsrc) getsrc = nullptr;
  decltype(&::dwfl_lineinfo) lineinfo = nullptr;
  decltype(&::dwfl_build_id_find_elf) find_elf = nullptr;
  decltype(&::dwfl_standard_find_debuginfo) find_debuginfo = nullptr;
  decltype(&::dwfl_offline_section_address) section_address = nullptr;
  // Inlined functions: the scopes (DIEs) around an address.
  decltype(&::dwfl_module_getdwarf) getdwarf = nullptr;
  decltype(&::dwarf_addrdie) addrdie = nullptr;
  decltype(&::dwarf_getscopes) getscopes = nullptr;
  decltype(&::dwarf_tag) tag = nullptr;
  decltype(&::dwarf_attr) attr = nullptr;
  decltype(&::dwarf_attr_integrate) attr_integrate = nullptr;
  decltype(&::dwarf_formudata) formudata = nullptr;
  decltype(&::dwarf_formstring) formstring = nullptr;
  decltype(&::dwarf_getsrcfiles) getsrcfiles = nullptr;
  decltype(&::dwarf_filesrc) filesrc = nullptr;
  bool ok() const {
    return begin && end && report_begin && report_elf && report_end && build_id && getsrc &&
           lineinfo && find_elf && find_debuginfo && section_address && getdwarf && addrdie &&
           getscopes && tag && attr && attr_integrate && formudata && formstring && getsrcfiles &&
           filesrc;
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
  get(d.getsrc, "dwfl_module_getsrc");
  get(d.lineinfo, "dwfl_lineinfo");
  get(d.find_elf, "dwfl_build_id_find_elf");
  get(d.find_debuginfo, "dwfl_standard_find_debuginfo");
  get(d.section_address, "dwfl_offline_section_address");
  get(d.getdwarf, "dwfl_module_getdwarf");
  get(d.addrdie, "dwarf_addrdie");
  get(d.getscopes, "dwarf_getscopes");
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

}  // namespace

// One libdwfl session holding one module reported at bias 0, so module
// addresses are the ELF's own virtual addresses.
struct LineTables::Session {
  std::string debuginfo_path;  // outlives `callbacks`, which points into it
  char* debuginfo_path_ptr = nullptr;
  Dwfl_Callbacks callbacks{};
  Dwfl* dwfl = nullptr;
  Dwfl_Module* module = nullptr;
  ~Session() {
    if (dwfl != nullptr) LoadedLibdw().end(dwfl);
  }
};

bool LineTables::Available() { return LoadedLibdw().ok(); }

LineTables::LineTables(std::unique_ptr<Session> session) : session_(std::move(session)) {}
LineTables::~LineTables() = default;

std::unique_ptr<LineTables> LineTables::Open(const std::string& path, const std::string& build_id,
                                             const std::string& debug_root) {
  const Libdw& d = LoadedLibdw();
  if (!d.ok()) return nullptr;
  auto s = std::make_unique<Session>();
  // libdwfl's search path: "" is the file's own directory, ".debug" its
  // subdirectory, an absolute directory is searched by build ID
  // (.build-id/xx/yyyy.debug) and by the file's path below it.
  s->debuginfo_path = ":.debug:" + debug_root;
  s->debuginfo_path_ptr = s->debuginfo_path.data();
  s->callbacks.find_elf = d.find_elf;
  s->callbacks.find_debuginfo = d.find_debuginfo;
  s->callbacks.section_address = d.section_address;
  s->callbacks.debuginfo_path = &s->debuginfo_path_ptr;
  s->dwfl = d.begin(&s->callbacks);
  if (s->dwfl == nullptr) return nullptr;
  d.report_begin(s->dwfl);
  s->module = d.report_elf(s->dwfl, path.c_str(), path.c_str(), -1, 0, true);
  d.report_end(s->dwfl, nullptr, nullptr);
  if (s->module == nullptr) return nullptr;
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

  // The scopes around the address, innermost first, up to the compile
  // unit: each DW_TAG_inlined_subroutine is a function inlined there, and
  // records where it was called from in the scope around it.
  Dwarf_Addr bias = 0;
  Dwarf* dwarf = d.getdwarf(session_->module, &bias);
  Dwarf_Die cu;
  Dwarf_Die* scopes = nullptr;
  const int n = dwarf != nullptr && d.addrdie(dwarf, vaddr - bias, &cu) != nullptr
                    ? d.getscopes(&cu, vaddr - bias, &scopes)
                    : 0;
  Dwarf_Files* files = nullptr;
  size_t file_count = 0;
  for (int i = 0; i < n; ++i) {
    const int tag = d.tag(&scopes[i]);
    if (tag == DW_TAG_subprogram) break;
    if (tag != DW_TAG_inlined_subroutine) continue;  // a lexical block
    Dwarf_Attribute a;
    const char* name = nullptr;
    for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name, DW_AT_name}) {
      if (d.attr_integrate(&scopes[i], at, &a) != nullptr && (name = d.formstring(&a))) break;
    }
    here.function = name != nullptr ? name : "";
    frames.push_back(here);
    Dwarf_Word value = 0;
    here = SourceFrame{};
    if (d.attr(&scopes[i], DW_AT_call_line, &a) != nullptr && d.formudata(&a, &value) == 0) {
      here.line = static_cast<int64_t>(value);
    }
    if (d.attr(&scopes[i], DW_AT_call_file, &a) != nullptr && d.formudata(&a, &value) == 0 &&
        (files != nullptr || d.getsrcfiles(&cu, &files, &file_count) == 0) && value < file_count) {
      if (const char* f = d.filesrc(files, value, nullptr, nullptr)) here.file = f;
    }
  }
  std::free(scopes);  // libdw allocates the array with malloc
  here.function.clear();
  frames.push_back(here);
  return frames;
}

}  // namespace lcprof
