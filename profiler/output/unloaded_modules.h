// Modules the program unloaded (dlclose) while it was profiled, recorded
// while still mapped, so that samples taken in them are named when the
// profile is written after they are gone (the writer reads /proc/self/maps
// only then). The dlclose interposer (profiler/control/dlclose_interposer.cc)
// calls the two halves around the real dlclose while a session records.
// Control path only; thread-safe.
//
// Bounded through dlopen/dlclose storms: a module unloaded again at the same
// place (path, load bias, build ID) is one record, symbol tables are shared
// by build ID (by path without one), and both are capped
// (kMaxUnloadedModules, kMaxUnloadedSymbolTables); past a cap, modules are
// still recorded as long as records remain but unnamed ones show as
// MODULE+0xOFFSET.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "profiler/output/elf_symbols.h"

namespace lcprof {

struct UnloadedModule {
  std::string path;                      // the file as the loader opened it, made absolute
  uintptr_t bias = 0;                    // load bias: runtime address - ELF vaddr
  std::vector<ElfLoadSegment> segments;  // its PT_LOAD headers as they were mapped
  std::string build_id;                  // from the mapped image's note, "" if none
  // Read from the file while the module was mapped; nullptr when it could not
  // be read, was another build, or the table cap was reached.
  std::shared_ptr<const ElfSymbols> symbols;
};

constexpr size_t kMaxUnloadedModules = 1024;
constexpr size_t kMaxUnloadedSymbolTables = 128;

// Starts recording, empty.
void StartRecordingUnloads();
// Stops recording and hands over what was recorded, oldest first, leaving
// the registry empty.
std::vector<UnloadedModule> StopRecordingUnloads();
// Whether a session records: one atomic load, all a dlclose costs otherwise.
bool RecordingUnloads();

// The modules recorded so far, oldest first.
std::vector<UnloadedModule> UnloadedModules();

// Distinct symbol tables held (for tests of the bounds).
size_t UnloadedSymbolTableCount();

// In a fork child: another thread may have held the registry's lock.
void ResetUnloadedModulesAfterFork();

// Before the real dlclose of `handle`, while its module is mapped; returns
// a token for RecordAfterDlclose, which runs after the real call returned.
void* RecordBeforeDlclose(void* handle);
void RecordAfterDlclose(void* token);

}  // namespace lcprof
