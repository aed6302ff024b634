// Reads function symbols, PT_LOAD segments and the GNU build ID from an ELF64
// x86_64 image (a file on disk or the in-memory vDSO). Used by symbolizer.cc on
// the control path at profile-write time, never in a signal handler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lcprof {

// One PT_LOAD program header.
struct ElfLoadSegment {
  uint64_t file_offset = 0;
  uint64_t vaddr = 0;
  uint64_t file_size = 0;
  uint64_t mem_size = 0;
  bool executable = false;
};

// Where a module's DWARF line tables are, as section headers tell: enough to
// decide whether reading them is worth its cost (symbolizer.cc) without
// loading a DWARF library.
struct ElfDwarf {
  bool in_module = false;         // .debug_line in the module itself
  bool in_build_id_file = false;  // ... in its <debug_root>/.build-id/ file
  std::string debuglink;          // the file .gnu_debuglink names, "" without one
  // Uncompressed size of the SHF_COMPRESSED .debug_* sections of the file
  // that holds the tables: what reading them inflates into memory.
  uint64_t inflated_bytes = 0;
};

// The function symbols of one ELF module, ready for address lookup.
//
// Everything needed is copied out of the image while loading, so the object
// owns no mapping or file descriptor. Malformed or truncated input never
// crashes: every offset, size and count is checked against the image size and
// anything that does not fit is ignored (worst case: no symbols).
class ElfSymbols {
 public:
  struct Symbol {
    uint64_t value = 0;  // ELF virtual address of the first byte
    uint64_t size = 0;   // > 0
    std::string name;    // never empty; no "@VERSION" suffix
  };

  // Loads the ELF file at `path`. When the file carries a GNU build ID and
  // <debug_root>/.build-id/<2 hex>/<rest hex>.debug exists with the same build
  // ID, that file's .symtab is added too (its load segments are not used).
  // nullopt when the file cannot be read or is not ELF64 x86_64 little-endian
  // of type ET_EXEC or ET_DYN.
  static std::optional<ElfSymbols> FromFile(const std::string& path,
                                            const std::string& debug_root = "/usr/lib/debug");

  // Loads from an image already in memory, laid out as in its file (true for
  // the vDSO, whose image starts at getauxval(AT_SYSINFO_EHDR)). Reads only
  // [image, image + size). Symbols come from the section headers when present,
  // else from PT_DYNAMIC (DT_SYMTAB/DT_STRTAB sized by DT_HASH or DT_GNU_HASH).
  static std::optional<ElfSymbols> FromMemory(const void* image, size_t size,
                                              const std::string& debug_root = "/usr/lib/debug");

  ElfSymbols(ElfSymbols&&) noexcept = default;
  ElfSymbols& operator=(ElfSymbols&&) noexcept = default;
  ElfSymbols(const ElfSymbols&) = delete;
  ElfSymbols& operator=(const ElfSymbols&) = delete;
  ~ElfSymbols() = default;

  // Lowercase hex of the NT_GNU_BUILD_ID note, "" if none.
  const std::string& build_id() const { return build_id_; }

  // Where its DWARF line tables are (see ElfDwarf).
  const ElfDwarf& dwarf() const { return dwarf_; }

  // The PT_LOAD program headers, in header order.
  const std::vector<ElfLoadSegment>& load_segments() const { return load_segments_; }

  // Converts a file offset to an ELF virtual address using the PT_LOAD segment
  // whose file bytes contain it (executable segments win ties). Failing that,
  // a segment whose 4 KiB-page-rounded file range contains it is used: a
  // mapping covers whole pages, so offsets just outside a segment are still
  // mapped with that segment's bias. nullopt if no segment qualifies.
  std::optional<uint64_t> FileOffsetToVaddr(uint64_t file_offset) const;

  // The innermost (smallest) symbol whose [value, value + size) contains
  // `vaddr`, or nullptr when no symbol contains it. Never returns a merely
  // preceding symbol. The pointer stays valid for the life of this object
  // (including across moves).
  const Symbol* Lookup(uint64_t vaddr) const;

  size_t symbol_count() const { return symbols_.size(); }

  // All symbols after deduplication, sorted by (value, size). At most one
  // symbol per distinct [value, value + size).
  const std::vector<Symbol>& symbols() const { return symbols_; }

 private:
  friend class ElfSymbolsBuilder;

  // A maximal address range in which Lookup answers with one symbol. Ranges
  // are disjoint and sorted by start; gaps between them belong to no symbol.
  struct Range {
    uint64_t start = 0;
    uint64_t end = 0;     // exclusive
    uint32_t symbol = 0;  // index into symbols_
  };

  ElfSymbols() = default;

  std::string build_id_;
  ElfDwarf dwarf_;
  std::vector<ElfLoadSegment> load_segments_;
  std::vector<Symbol> symbols_;
  std::vector<Range> ranges_;
};

}  // namespace lcprof
