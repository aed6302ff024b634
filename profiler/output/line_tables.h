// One module's DWARF line tables: the source file and line of a code
// address, read when the profile is written, so that `go tool pprof -lines`,
// `-list` and `-weblist` show them with no flags and on any machine
// (docs/pprof-output.md, "File and line"). Read through elfutils' libdw,
// which finds separate debug files by build ID and .gnu_debuglink. libdw is
// opened with dlopen on first use (RTLD_LOCAL | RTLD_DEEPBIND, like zlib in
// gzip_writer.cc), so liblcprof.so still needs libc alone at load; where it
// is missing, profiles have names without lines. Control path only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lcprof {

// One frame of source at a code address.
struct SourceFrame {
  // For a function inlined there: its name as linked (C++ mangled) or as
  // written; "" for the outermost frame, the function the code belongs to,
  // which the symbol table names.
  std::string function;
  std::string file;  // as the compiler recorded it (absolute when built so)
  int64_t line = 0;  // 0 where the tables say nothing
};

// The lines a profile location shows for an address in the function the
// symbol table names `symbol`, where the line tables found `source`
// (innermost first, as Lookup returns it): each inlined function at its
// line (named `symbol` where the tables name none: its line is still
// right), then `symbol` itself at the outermost frame's file and line. One
// frame, without file or line, when `source` is empty.
std::vector<SourceFrame> LocationFrames(const std::string& symbol,
                                        const std::vector<SourceFrame>& source);

class LineTables {
 public:
  // The line tables of the ELF file at `path`, or of its debug file, looked
  // up by build ID and .gnu_debuglink under `debug_root` (and next to the
  // file). nullptr when libdw cannot be loaded, the file cannot be read, or
  // it is not the build `build_id` (when not empty). Nothing is read beyond
  // the headers until Lookup: a module without line tables costs little.
  static std::unique_ptr<LineTables> Open(const std::string& path, const std::string& build_id,
                                          const std::string& debug_root = "/usr/lib/debug");

  ~LineTables();
  LineTables(const LineTables&) = delete;
  LineTables& operator=(const LineTables&) = delete;

  // The source frames of the instruction at ELF virtual address `vaddr`,
  // innermost first: one per function inlined there, each at the line it
  // runs (the innermost: the instruction's own line; an outer one: the line
  // that called the function inlined into it), then the outermost
  // function's. Empty where the tables say nothing.
  std::vector<SourceFrame> Lookup(uint64_t vaddr) const;

  // Where the debug file of the module at `path` may be, in the order they
  // are tried: by build ID under `debug_root`, then by its .gnu_debuglink
  // name next to the file, in its .debug/ directory and under debug_root
  // (as gdb and addr2line look).
  static std::vector<std::string> DebugFileCandidates(const std::string& path,
                                                      const std::string& build_id,
                                                      const std::string& debuglink,
                                                      const std::string& debug_root);

  // Whether libdw could be loaded in this process (tests).
  static bool Available();

 private:
  struct Session;
  explicit LineTables(std::unique_ptr<Session> session);
  std::unique_ptr<Session> session_;
};

}  // namespace lcprof
