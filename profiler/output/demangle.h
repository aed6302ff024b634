// Turns linker symbol names into the names a language's users read, as perf
// and pprof show them. Used by the pprof writer for every Function's `name`
// (its `system_name` keeps the symbol as linked). Control path only, at
// profile-write time; never in a signal handler.
#pragma once

#include <string>

namespace lcprof {

// The readable name of `symbol`, or `symbol` itself when it is not mangled in
// a scheme handled here or does not decode. Schemes, by prefix:
//   _Z  Rust legacy (`_ZN…17h<16 hex>E`), hash dropped, else C++ (Itanium),
//       with parameter types and clone suffixes ("foo() [clone .cold]");
//   _R  Rust v0, crate disambiguators dropped, generic arguments kept;
//   _D  D.
// Anything else (C, Go, JIT names from a perf map) is returned unchanged.
// Never throws for bad input; malformed names come back unchanged.
std::string Demangle(const std::string& symbol);

}  // namespace lcprof
