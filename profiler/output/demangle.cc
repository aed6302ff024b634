// Demangling through libiberty (Debian's libiberty-dev), the demangler of
// binutils, perf and GDB: one maintained implementation for C++, both Rust
// schemes and D. Why not our own: docs/pprof-output.md, "Names".
#include "profiler/output/demangle.h"

#include <libiberty/demangle.h>

#include <cstdlib>
#include <string_view>

namespace lcprof {
namespace {

// Parameter types and cv-qualifiers, as perf and `c++filt` show them. Without
// DMGL_VERBOSE, Rust hashes and crate disambiguators are left out.
constexpr int kOptions = DMGL_PARAMS | DMGL_ANSI;

// The Itanium demangler keeps its working arrays on the stack, about 56 bytes
// per character of the name (2 components and 1 substitution slot each).
// Profiles may be written on a thread with a small stack (lcprof_stop), so
// longer C++ names stay mangled: 8 KiB of name is ~450 KiB of stack. The Rust
// and D demanglers grow heap buffers and need no such bound.
constexpr size_t kMaxItaniumLength = 8 * 1024;

// Owns a string libiberty allocated with malloc; nullptr when it failed.
std::string Take(char* plain, const std::string& fallback) {
  if (plain == nullptr) return fallback;
  std::string out(plain);
  std::free(plain);
  return out.empty() ? fallback : out;
}

}  // namespace

std::string Demangle(const std::string& symbol) {
  const std::string_view s = symbol;
  const char* c = symbol.c_str();
  if (s.starts_with("_R")) return Take(rust_demangle(c, kOptions), symbol);
  if (s.starts_with("_D")) return Take(dlang_demangle(c, kOptions), symbol);
  if (!s.starts_with("_Z")) return symbol;
  // A legacy Rust name is a valid Itanium name too (whose last component is
  // the hash): rust_demangle accepts only names that end in the hash
  // component and decode as Rust, so it goes first.
  if (char* rust = rust_demangle(c, kOptions)) return Take(rust, symbol);
  if (s.size() > kMaxItaniumLength) return symbol;
  return Take(cplus_demangle_v3(c, kOptions), symbol);
}

}  // namespace lcprof
