// Reads function symbols, PT_LOAD segments and the GNU build ID from an ELF64
// x86_64 image (a file on disk or the in-memory vDSO). Used by symbolizer.cc on
// the control path at profile-write time, never in a signal handler.
#include "profiler/output/elf_symbols.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>
#include <string_view>
#include <tuple>

namespace lcprof {
namespace {

constexpr uint64_t kPageSize = 4096;  // x86_64 only, see ReadHeaders.

// A bounds-checked view of an ELF image. Every read goes through Contains(),
// so no offset taken from the image can reach outside [data, data + size).
class Image {
 public:
  Image(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }

  // True when [offset, offset + length) lies inside the image (overflow-safe).
  bool Contains(uint64_t offset, uint64_t length) const {
    return offset <= size_ && length <= size_ - offset;
  }

  // memcpy rather than a cast: image offsets need not be aligned for T.
  template <typename T>
  bool Read(uint64_t offset, T* out) const {
    if (!Contains(offset, sizeof(T))) return false;
    std::memcpy(out, data_ + offset, sizeof(T));
    return true;
  }

 private:
  const uint8_t* data_;
  uint64_t size_;
};

// A string table clipped to the image: Get() never reads outside it.
class StringTable {
 public:
  StringTable(const Image& image, uint64_t offset, uint64_t size) {
    if (offset >= image.size()) return;
    begin_ = reinterpret_cast<const char*>(image.data() + offset);
    size_ = std::min(size, image.size() - offset);
  }

  // The NUL-terminated string at `index`; empty if out of bounds or if the
  // table ends before a terminator.
  std::string_view Get(uint64_t index) const {
    if (index >= size_) return {};
    const char* s = begin_ + index;
    const void* nul = std::memchr(s, 0, size_ - index);
    if (nul == nullptr) return {};
    return std::string_view(s, static_cast<size_t>(static_cast<const char*>(nul) - s));
  }

 private:
  const char* begin_ = nullptr;
  uint64_t size_ = 0;
};

// A read-only private mapping of a whole regular file. The mapping is released
// when the loader returns: ElfSymbols copies everything it keeps.
// Caveat: a file truncated by someone else while mapped would fault (SIGBUS);
// files truncated before we map them are handled by the bounds checks.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (data_ != nullptr) munmap(data_, size_);
  }

  bool Open(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
      close(fd);
      return false;
    }
    void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);  // The mapping keeps the file alive.
    if (p == MAP_FAILED) return false;
    data_ = p;
    size_ = static_cast<size_t>(st.st_size);
    return true;
  }

  Image image() const { return Image(static_cast<const uint8_t*>(data_), size_); }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

struct ElfHeaders {
  Elf64_Ehdr ehdr{};
  std::vector<Elf64_Phdr> phdrs;  // empty if absent or out of bounds
  std::vector<Elf64_Shdr> shdrs;  // empty if absent or out of bounds
};

// Validates the ELF header and reads both header tables. A table that does
// not fit in the image is dropped (treated as absent) rather than failing the
// whole image, so e.g. a file without section headers still yields phdrs.
std::optional<ElfHeaders> ReadHeaders(const Image& image) {
  ElfHeaders h;
  const Elf64_Ehdr& e = h.ehdr;
  if (!image.Read(0, &h.ehdr)) return std::nullopt;
  if (std::memcmp(e.e_ident, ELFMAG, SELFMAG) != 0 || e.e_ident[EI_CLASS] != ELFCLASS64 ||
      e.e_ident[EI_DATA] != ELFDATA2LSB || e.e_ident[EI_VERSION] != EV_CURRENT ||
      e.e_machine != EM_X86_64 || (e.e_type != ET_EXEC && e.e_type != ET_DYN)) {
    return std::nullopt;
  }

  // Section headers first: with extended numbering section 0 holds the real
  // section count (sh_size) and program header count (sh_info).
  Elf64_Shdr section0{};
  bool have_section0 =
      e.e_shoff != 0 && e.e_shentsize == sizeof(Elf64_Shdr) && image.Read(e.e_shoff, &section0);
  if (have_section0) {
    uint64_t shnum = e.e_shnum != 0 ? e.e_shnum : section0.sh_size;
    // Dividing first keeps shnum * entsize from overflowing.
    if (shnum != 0 && shnum <= image.size() / sizeof(Elf64_Shdr) &&
        image.Contains(e.e_shoff, shnum * sizeof(Elf64_Shdr))) {
      h.shdrs.resize(shnum);
      std::memcpy(h.shdrs.data(), image.data() + e.e_shoff, shnum * sizeof(Elf64_Shdr));
    }
  }

  uint64_t phnum = e.e_phnum;
  if (phnum == PN_XNUM && have_section0) phnum = section0.sh_info;
  if (e.e_phoff != 0 && e.e_phentsize == sizeof(Elf64_Phdr) && phnum != 0 &&
      phnum <= image.size() / sizeof(Elf64_Phdr) &&
      image.Contains(e.e_phoff, phnum * sizeof(Elf64_Phdr))) {
    h.phdrs.resize(phnum);
    std::memcpy(h.phdrs.data(), image.data() + e.e_phoff, phnum * sizeof(Elf64_Phdr));
  }
  return h;
}

uint64_t AlignUp(uint64_t value, uint64_t align) { return (value + align - 1) & ~(align - 1); }

std::string ToHex(const uint8_t* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0xf]);
  }
  return hex;
}

// Scans the notes in [offset, offset + size) for NT_GNU_BUILD_ID owned by
// "GNU". Notes are padded to 4 bytes, or to 8 in segments aligned to 8.
std::string FindBuildIdInNotes(const Image& image, uint64_t offset, uint64_t size, uint64_t align) {
  if (!image.Contains(offset, size)) return "";
  align = align == 8 ? 8 : 4;
  uint64_t pos = 0;  // relative to offset; invariant: pos <= size
  while (size - pos >= sizeof(Elf64_Nhdr)) {
    Elf64_Nhdr note;
    image.Read(offset + pos, &note);
    pos += sizeof(note);
    uint64_t name_pos = pos;
    uint64_t name_len = AlignUp(note.n_namesz, align);  // 64-bit: cannot overflow
    if (name_len > size - pos) break;
    pos += name_len;
    uint64_t desc_pos = pos;
    if (note.n_descsz > size - pos) break;
    // The last note's padding may be cut off by the area's end.
    pos += std::min<uint64_t>(AlignUp(note.n_descsz, align), size - pos);
    if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && note.n_descsz > 0 &&
        std::memcmp(image.data() + offset + name_pos, "GNU", 4) == 0) {
      return ToHex(image.data() + offset + desc_pos, note.n_descsz);
    }
  }
  return "";
}

// Section names, from the table e_shstrndx selects (clipped to the image).
StringTable SectionNames(const Image& image, const ElfHeaders& h) {
  uint64_t index = h.ehdr.e_shstrndx;
  if (index == SHN_XINDEX && !h.shdrs.empty()) index = h.shdrs[0].sh_link;
  if (index == SHN_UNDEF || index >= h.shdrs.size()) return StringTable(image, image.size(), 0);
  return StringTable(image, h.shdrs[index].sh_offset, h.shdrs[index].sh_size);
}

// Whether the image holds .debug_line, and what its compressed .debug_*
// sections inflate to (the size an Elf64_Chdr announces).
struct DwarfSections {
  bool line_tables = false;
  std::string debuglink;
  uint64_t inflated_bytes = 0;
};
DwarfSections FindDwarfSections(const Image& image, const ElfHeaders& h) {
  DwarfSections d;
  const StringTable names = SectionNames(image, h);
  for (const Elf64_Shdr& sh : h.shdrs) {
    const std::string_view name = names.Get(sh.sh_name);
    if (name == ".gnu_debuglink" && sh.sh_type != SHT_NOBITS) {
      d.debuglink = std::string(StringTable(image, sh.sh_offset, sh.sh_size).Get(0));
    }
    if (sh.sh_type == SHT_NOBITS || !name.starts_with(".debug_")) continue;
    if (name == ".debug_line") d.line_tables = true;
    Elf64_Chdr chdr;
    if ((sh.sh_flags & SHF_COMPRESSED) != 0 && image.Read(sh.sh_offset, &chdr)) {
      d.inflated_bytes += chdr.ch_size;
    }
  }
  return d;
}

std::string FindBuildId(const Image& image, const ElfHeaders& h) {
  for (const Elf64_Phdr& ph : h.phdrs) {
    if (ph.p_type != PT_NOTE) continue;
    std::string id = FindBuildIdInNotes(image, ph.p_offset, ph.p_filesz, ph.p_align);
    if (!id.empty()) return id;
  }
  // Debug files and images without usable program headers: try sections.
  for (const Elf64_Shdr& sh : h.shdrs) {
    if (sh.sh_type != SHT_NOTE) continue;
    std::string id = FindBuildIdInNotes(image, sh.sh_offset, sh.sh_size, sh.sh_addralign);
    if (!id.empty()) return id;
  }
  return "";
}

// A symbol accepted from some table, before deduplication. `name` points into
// an image that stays mapped until Finalize() has copied it.
struct Candidate {
  uint64_t value;
  uint64_t size;
  std::string_view name;
  bool local;
};

size_t LeadingUnderscores(std::string_view name) {
  size_t n = 0;
  while (n < name.size() && name[n] == '_') ++n;
  return n;
}

// Strict weak order on names for one address range; the least is kept.
// "read" beats "__read"/"__libc_read"; GLOBAL/WEAK beats LOCAL; then fewer
// leading underscores, shorter, and finally lexicographic for determinism.
bool PreferredOver(const Candidate& a, const Candidate& b) {
  bool a_underscore = a.name[0] == '_', b_underscore = b.name[0] == '_';
  if (a_underscore != b_underscore) return !a_underscore;
  if (a.local != b.local) return !a.local;
  size_t a_lead = LeadingUnderscores(a.name), b_lead = LeadingUnderscores(b.name);
  if (a_lead != b_lead) return a_lead < b_lead;
  if (a.name.size() != b.name.size()) return a.name.size() < b.name.size();
  return a.name < b.name;
}

// Reads the symbol table at [offset, offset + bytes) (clipped to the image)
// and keeps code symbols. `shdrs` (may be empty) is used to accept STT_NOTYPE
// symbols that lie in executable sections.
void CollectFromTable(const Image& image, uint64_t offset, uint64_t bytes,
                      const StringTable& strings, const std::vector<Elf64_Shdr>& shdrs,
                      std::vector<Candidate>* out) {
  if (offset >= image.size()) return;
  uint64_t count = std::min(bytes, image.size() - offset) / sizeof(Elf64_Sym);
  for (uint64_t i = 0; i < count; ++i) {
    Elf64_Sym sym;
    if (!image.Read(offset + i * sizeof(Elf64_Sym), &sym)) break;
    if (sym.st_shndx == SHN_UNDEF || sym.st_size == 0) continue;
    if (sym.st_value + sym.st_size < sym.st_value) continue;  // range wraps around
    unsigned type = ELF64_ST_TYPE(sym.st_info);
    unsigned bind = ELF64_ST_BIND(sym.st_info);
    bool code = type == STT_FUNC || type == STT_GNU_IFUNC;
    if (!code && type == STT_NOTYPE && sym.st_shndx < SHN_LORESERVE &&
        sym.st_shndx < shdrs.size()) {
      code = (shdrs[sym.st_shndx].sh_flags & SHF_EXECINSTR) != 0;
    }
    if (!code) continue;
    if (bind != STB_LOCAL && bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE) {
      continue;
    }
    std::string_view name = strings.Get(sym.st_name);
    // Symbol versions normally live in .gnu.version, but some producers spell
    // them into the name ("read@@GLIBC_2.2.5"); drop them.
    if (size_t at = name.find('@'); at != std::string_view::npos && at > 0) {
      name = name.substr(0, at);
    }
    if (name.empty()) continue;
    out->push_back(Candidate{sym.st_value, sym.st_size, name, bind == STB_LOCAL});
  }
}

// Adds symbols from every SHT_SYMTAB (and SHT_DYNSYM if `with_dynsym`)
// section. Returns whether any usable symbol table section exists.
bool CollectFromSections(const Image& image, const ElfHeaders& h, bool with_dynsym,
                         std::vector<Candidate>* out) {
  bool found = false;
  for (const Elf64_Shdr& sh : h.shdrs) {
    if (sh.sh_type != SHT_SYMTAB && !(with_dynsym && sh.sh_type == SHT_DYNSYM)) continue;
    if (sh.sh_entsize != sizeof(Elf64_Sym) || (sh.sh_flags & SHF_COMPRESSED) != 0) continue;
    if (sh.sh_link >= h.shdrs.size()) continue;
    const Elf64_Shdr& str = h.shdrs[sh.sh_link];
    if (str.sh_type != SHT_STRTAB || (str.sh_flags & SHF_COMPRESSED) != 0) continue;
    found = true;
    CollectFromTable(image, sh.sh_offset, sh.sh_size,
                     StringTable(image, str.sh_offset, str.sh_size), h.shdrs, out);
  }
  return found;
}

// Maps a virtual address to a file offset through the PT_LOAD segments.
std::optional<uint64_t> VaddrToOffset(const ElfHeaders& h, uint64_t vaddr) {
  for (const Elf64_Phdr& ph : h.phdrs) {
    if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_filesz) {
      return ph.p_offset + (vaddr - ph.p_vaddr);
    }
  }
  return std::nullopt;
}

// The number of dynamic symbols implied by a DT_GNU_HASH table: one past the
// highest index reachable from any bucket (chains end at a value with bit 0 set).
uint64_t CountGnuHashSymbols(const Image& image, uint64_t offset) {
  uint32_t header[4];  // nbuckets, symoffset, bloom_size, bloom_shift
  if (!image.Read(offset, &header)) return 0;
  uint64_t nbuckets = header[0], symoffset = header[1];
  uint64_t buckets = offset + sizeof(header) + uint64_t{header[2]} * 8;
  if (!image.Contains(buckets, nbuckets * 4)) return 0;
  uint64_t chains = buckets + nbuckets * 4;
  uint64_t last = 0;
  for (uint64_t b = 0; b < nbuckets; ++b) {
    uint32_t index = 0;
    image.Read(buckets + b * 4, &index);
    last = std::max<uint64_t>(last, index);
  }
  if (last < symoffset) return symoffset;  // no hashed symbols
  // Each step reads 4 bytes further into the image, so this ends at its end.
  for (uint64_t i = last;; ++i) {
    uint32_t hash = 0;
    if (!image.Read(chains + (i - symoffset) * 4, &hash)) return i;
    if ((hash & 1) != 0) return i + 1;
  }
}

// Fallback for images without section headers: finds the dynamic symbol table
// through PT_DYNAMIC. Addresses in .dynamic are unrelocated vaddrs here (true
// for files and for the vDSO, whose .dynamic is never relocated).
void CollectFromDynamic(const Image& image, const ElfHeaders& h, std::vector<Candidate>* out) {
  const Elf64_Phdr* dynamic = nullptr;
  for (const Elf64_Phdr& ph : h.phdrs) {
    if (ph.p_type == PT_DYNAMIC) dynamic = &ph;
  }
  if (dynamic == nullptr || dynamic->p_offset >= image.size()) return;
  std::optional<uint64_t> symtab, strtab, hash, gnu_hash;
  uint64_t strsz = 0, syment = sizeof(Elf64_Sym);
  uint64_t count =
      std::min(dynamic->p_filesz, image.size() - dynamic->p_offset) / sizeof(Elf64_Dyn);
  for (uint64_t i = 0; i < count; ++i) {
    Elf64_Dyn dyn;
    if (!image.Read(dynamic->p_offset + i * sizeof(Elf64_Dyn), &dyn) || dyn.d_tag == DT_NULL) {
      break;
    }
    switch (dyn.d_tag) {
      case DT_SYMTAB:
        symtab = VaddrToOffset(h, dyn.d_un.d_ptr);
        break;
      case DT_STRTAB:
        strtab = VaddrToOffset(h, dyn.d_un.d_ptr);
        break;
      case DT_HASH:
        hash = VaddrToOffset(h, dyn.d_un.d_ptr);
        break;
      case DT_GNU_HASH:
        gnu_hash = VaddrToOffset(h, dyn.d_un.d_ptr);
        break;
      case DT_STRSZ:
        strsz = dyn.d_un.d_val;
        break;
      case DT_SYMENT:
        syment = dyn.d_un.d_val;
        break;
      default:
        break;
    }
  }
  if (!symtab || !strtab || syment != sizeof(Elf64_Sym)) return;
  uint64_t nsyms = 0;
  uint32_t nchain = 0;
  if (hash && image.Read(*hash + 4, &nchain)) {
    nsyms = nchain;  // DT_HASH: nchain equals the number of symbols
  } else if (gnu_hash) {
    nsyms = CountGnuHashSymbols(image, *gnu_hash);
  } else if (*strtab > *symtab) {
    nsyms = (*strtab - *symtab) / sizeof(Elf64_Sym);  // the usual layout: .dynstr follows
  }
  // CollectFromTable clips the byte count to the image; divide-then-check
  // keeps nsyms * 24 from overflowing.
  nsyms = std::min<uint64_t>(nsyms, image.size() / sizeof(Elf64_Sym));
  CollectFromTable(image, *symtab, nsyms * sizeof(Elf64_Sym), StringTable(image, *strtab, strsz),
                   {}, out);
}

}  // namespace

// Assembles an ElfSymbols; a class (not free functions) to reach its privates.
class ElfSymbolsBuilder {
 public:
  static std::optional<ElfSymbols> Load(const Image& image, const std::string& debug_root) {
    std::optional<ElfHeaders> headers = ReadHeaders(image);
    if (!headers) return std::nullopt;
    ElfSymbols result;
    result.build_id_ = FindBuildId(image, *headers);
    const DwarfSections own = FindDwarfSections(image, *headers);
    result.dwarf_.in_module = own.line_tables;
    result.dwarf_.debuglink = own.debuglink;
    if (own.line_tables) result.dwarf_.inflated_bytes = own.inflated_bytes;
    for (const Elf64_Phdr& ph : headers->phdrs) {
      if (ph.p_type != PT_LOAD) continue;
      result.load_segments_.push_back(ElfLoadSegment{ph.p_offset, ph.p_vaddr, ph.p_filesz,
                                                     ph.p_memsz, (ph.p_flags & PF_X) != 0});
    }

    std::vector<Candidate> candidates;
    if (!CollectFromSections(image, *headers, /*with_dynsym=*/true, &candidates)) {
      CollectFromDynamic(image, *headers, &candidates);
    }

    // Must outlive Finalize(): candidates may point into it.
    MappedFile debug_file;
    const std::string& id = result.build_id_;
    if (!debug_root.empty() && id.size() > 2) {
      std::string path =
          debug_root + "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
      if (debug_file.Open(path)) {
        Image debug = debug_file.image();
        std::optional<ElfHeaders> debug_headers = ReadHeaders(debug);
        // A debug file for another build would give wrong names: require the
        // same ID when it has one.
        if (debug_headers) {
          std::string debug_id = FindBuildId(debug, *debug_headers);
          if (debug_id.empty() || debug_id == id) {
            CollectFromSections(debug, *debug_headers, /*with_dynsym=*/false, &candidates);
            const DwarfSections separate = FindDwarfSections(debug, *debug_headers);
            if (!own.line_tables && separate.line_tables) {
              result.dwarf_.in_build_id_file = true;
              result.dwarf_.inflated_bytes = separate.inflated_bytes;
            }
          }
        }
      }
    }
    Finalize(std::move(candidates), &result);
    return result;
  }

 private:
  // Deduplicates candidates into result->symbols_ and builds result->ranges_.
  static void Finalize(std::vector<Candidate> candidates, ElfSymbols* result) {
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      if (a.value != b.value) return a.value < b.value;
      if (a.size != b.size) return a.size < b.size;
      return PreferredOver(a, b);
    });
    std::vector<ElfSymbols::Symbol>& symbols = result->symbols_;
    for (const Candidate& c : candidates) {
      if (!symbols.empty() && symbols.back().value == c.value && symbols.back().size == c.size) {
        continue;  // the group's preferred name came first
      }
      symbols.push_back(ElfSymbols::Symbol{c.value, c.size, std::string(c.name)});
    }
    // Ranges index symbols with 32 bits; no real image comes near this.
    if (symbols.size() > UINT32_MAX) symbols.resize(UINT32_MAX);
    BuildRanges(result);
  }

  // Sweeps over all symbol boundaries. Between two consecutive boundaries the
  // set of covering symbols is constant; the range gets the innermost one
  // (smallest size; among equal sizes the later start, whose body is nearer).
  static void BuildRanges(ElfSymbols* result) {
    const std::vector<ElfSymbols::Symbol>& symbols = result->symbols_;
    std::vector<ElfSymbols::Range>& ranges = result->ranges_;
    const size_t n = symbols.size();
    auto end_of = [&](uint32_t i) { return symbols[i].value + symbols[i].size; };

    std::vector<uint64_t> points;
    points.reserve(2 * n);
    for (uint32_t i = 0; i < n; ++i) {
      points.push_back(symbols[i].value);
      points.push_back(end_of(i));
    }
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end()), points.end());

    std::vector<uint32_t> by_end(n);
    std::iota(by_end.begin(), by_end.end(), 0u);
    std::sort(by_end.begin(), by_end.end(),
              [&](uint32_t a, uint32_t b) { return end_of(a) < end_of(b); });

    using Key = std::tuple<uint64_t, uint64_t, uint32_t>;  // (size, ~value, index)
    auto key_of = [&](uint32_t i) { return Key{symbols[i].size, ~symbols[i].value, i}; };
    std::set<Key> active;                 // begin() is the innermost covering symbol
    size_t next_start = 0, next_end = 0;  // symbols are sorted by value
    for (size_t p = 0; p + 1 < points.size(); ++p) {
      const uint64_t at = points[p];
      // A symbol ending at or before `at` started strictly before it, so it
      // was inserted at an earlier point.
      while (next_end < n && end_of(by_end[next_end]) <= at)
        active.erase(key_of(by_end[next_end++]));
      while (next_start < n && symbols[next_start].value <= at) {
        active.insert(key_of(static_cast<uint32_t>(next_start++)));
      }
      if (active.empty()) continue;
      uint32_t best = std::get<2>(*active.begin());
      if (!ranges.empty() && ranges.back().end == at && ranges.back().symbol == best) {
        ranges.back().end = points[p + 1];
      } else {
        ranges.push_back(ElfSymbols::Range{at, points[p + 1], best});
      }
    }
  }
};

std::optional<ElfSymbols> ElfSymbols::FromFile(const std::string& path,
                                               const std::string& debug_root) {
  MappedFile file;
  if (!file.Open(path)) return std::nullopt;
  return ElfSymbolsBuilder::Load(file.image(), debug_root);
}

std::optional<ElfSymbols> ElfSymbols::FromMemory(const void* image, size_t size,
                                                 const std::string& debug_root) {
  if (image == nullptr || size == 0) return std::nullopt;
  return ElfSymbolsBuilder::Load(Image(static_cast<const uint8_t*>(image), size), debug_root);
}

std::optional<uint64_t> ElfSymbols::FileOffsetToVaddr(uint64_t file_offset) const {
  // Exact containment, executable segments first (they are what samples hit).
  for (bool want_exec : {true, false}) {
    for (const ElfLoadSegment& s : load_segments_) {
      if (s.executable == want_exec && file_offset >= s.file_offset &&
          file_offset - s.file_offset < s.file_size) {
        return s.vaddr + (file_offset - s.file_offset);
      }
    }
  }
  // Page-rounded containment: the page-granular mapping also covers bytes
  // just before/after the segment's file range at the same load bias.
  for (bool want_exec : {true, false}) {
    for (const ElfLoadSegment& s : load_segments_) {
      if (s.executable != want_exec || s.file_size == 0) continue;
      uint64_t lo = s.file_offset & ~(kPageSize - 1);
      uint64_t end = s.file_offset + s.file_size;
      if (end < s.file_offset || end > UINT64_MAX - kPageSize) continue;
      uint64_t hi = AlignUp(end, kPageSize);
      if (file_offset < lo || file_offset >= hi) continue;
      if (file_offset >= s.file_offset) return s.vaddr + (file_offset - s.file_offset);
      uint64_t back = s.file_offset - file_offset;
      if (back <= s.vaddr) return s.vaddr - back;
    }
  }
  return std::nullopt;
}

const ElfSymbols::Symbol* ElfSymbols::Lookup(uint64_t vaddr) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), vaddr,
                             [](uint64_t v, const Range& r) { return v < r.start; });
  if (it == ranges_.begin()) return nullptr;
  --it;
  if (vaddr >= it->end) return nullptr;
  return &symbols_[it->symbol];
}

}  // namespace lcprof
