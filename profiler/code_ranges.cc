// Builds the CodeMap (code_ranges.h) on the control path: dl_iterate_phdr for
// the modules, .eh_frame_hdr's sorted table for their FDEs, each FDE and its
// CIE for the function's extent and a summary of its CFA rules, and the
// function's first bytes for a frame-pointer prologue. The handler only
// binary-searches the result.
#include "profiler/code_ranges.h"

#include <elf.h>
#include <link.h>
#include <sys/auxv.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>

namespace lcprof {

// Fills a CodeMap; a friend so the map's storage stays private.
class CodeMapBuilder {
 public:
  static int OnModule(dl_phdr_info* info, size_t size, void* self);
  void AddModule(const dl_phdr_info& info);
  std::unique_ptr<CodeMap> map = std::make_unique<CodeMap>();
};

namespace {

// DW_EH_PE_* pointer encodings.
constexpr uint8_t kPeOmit = 0xff, kPeUleb = 0x01, kPeUdata2 = 0x02, kPeUdata4 = 0x03,
                  kPeUdata8 = 0x04, kPeSleb = 0x09, kPeSdata2 = 0x0a, kPeSdata4 = 0x0b,
                  kPeSdata8 = 0x0c, kPePcrel = 0x10, kPeDatarel = 0x30;

// A cursor over mapped unwind data. Every read checks `end`; a read past it
// sets `bad` and yields 0 so malformed data is rejected, never overrun.
struct Bytes {
  const uint8_t* p;
  const uint8_t* end;
  bool bad = false;

  bool Has(size_t n) {
    if (static_cast<size_t>(end - p) < n) bad = true;
    return !bad;
  }
  template <typename T>
  T Fixed() {
    if (!Has(sizeof(T))) return 0;
    T v;
    std::memcpy(&v, p, sizeof v);
    p += sizeof v;
    return v;
  }
  uint64_t Uleb() {
    uint64_t v = 0;
    for (int shift = 0; Has(1); shift += 7) {
      uint8_t b = *p++;
      if (shift < 64) v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return 0;
  }
  int64_t Sleb() {
    int64_t v = 0;
    int shift = 0;
    for (; Has(1);) {
      uint8_t b = *p++;
      if (shift < 64) v |= static_cast<int64_t>(b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) == 0) {
        if (shift < 64 && (b & 0x40)) v |= -(int64_t{1} << shift);
        return v;
      }
    }
    return 0;
  }
  // A pointer in encoding `enc`; pcrel is relative to the field, datarel to
  // `data_base`. Indirect pointers are not followed (not used for pc_begin).
  uintptr_t Encoded(uint8_t enc, uintptr_t data_base) {
    if (enc == kPeOmit) return 0;
    const auto field = reinterpret_cast<uintptr_t>(p);
    uintptr_t v = 0;
    switch (enc & 0x0f) {
      case 0x00:
        v = Fixed<uint64_t>();
        break;
      case kPeUleb:
        v = Uleb();
        break;
      case kPeUdata2:
        v = Fixed<uint16_t>();
        break;
      case kPeUdata4:
        v = Fixed<uint32_t>();
        break;
      case kPeUdata8:
        v = Fixed<uint64_t>();
        break;
      case kPeSleb:
        v = static_cast<uintptr_t>(Sleb());
        break;
      case kPeSdata2:
        v = static_cast<uintptr_t>(int64_t{Fixed<int16_t>()});
        break;
      case kPeSdata4:
        v = static_cast<uintptr_t>(int64_t{Fixed<int32_t>()});
        break;
      case kPeSdata8:
        v = static_cast<uintptr_t>(Fixed<int64_t>());
        break;
      default:
        bad = true;
        return 0;
    }
    switch (enc & 0x70) {
      case 0:
        break;
      case kPePcrel:
        v += field;
        break;
      case kPeDatarel:
        v += data_base;
        break;
      default:
        bad = true;
        return 0;
    }
    return v;
  }
};

struct CieInfo {
  bool ok = false;
  uint8_t fde_encoding = 0;  // absptr unless 'R' says otherwise
  bool has_z = false;
  bool signal = false;
  int64_t data_align = 1;
  const uint8_t* insns = nullptr;
  const uint8_t* insns_end = nullptr;
};

// Reads one length-prefixed entry; returns its body [p, end) or bad.
Bytes Entry(const uint8_t* at, const uint8_t* limit) {
  Bytes b{at, limit};
  uint64_t len = b.Fixed<uint32_t>();
  if (len == 0xffffffffu) len = b.Fixed<uint64_t>();
  if (b.bad || len == 0 || !b.Has(len)) return Bytes{at, at, true};
  return Bytes{b.p, b.p + len};
}

CieInfo ParseCie(const uint8_t* at, const uint8_t* limit) {
  CieInfo c;
  Bytes b = Entry(at, limit);
  if (b.bad || b.Fixed<uint32_t>() != 0) return c;
  uint8_t version = b.Fixed<uint8_t>();
  const char* aug = reinterpret_cast<const char*>(b.p);
  size_t aug_len = strnlen(aug, static_cast<size_t>(b.end - b.p));
  if (!b.Has(aug_len + 1)) return c;
  b.p += aug_len + 1;
  if (version >= 4) b.p += b.Has(2) ? 2 : 0;  // address and segment sizes
  b.Uleb();                                   // code alignment
  c.data_align = b.Sleb();
  if (version == 1) {
    b.Fixed<uint8_t>();
  } else {
    b.Uleb();
  }
  if (aug_len > 0 && aug[0] == 'z') {
    c.has_z = true;
    uint64_t len = b.Uleb();
    if (!b.Has(len)) return c;
    Bytes data{b.p, b.p + len};
    for (size_t i = 1; i < aug_len && !data.bad; ++i) {
      if (aug[i] == 'R') {
        c.fde_encoding = data.Fixed<uint8_t>();
      } else if (aug[i] == 'P') {
        uint8_t enc = data.Fixed<uint8_t>();
        data.Encoded(static_cast<uint8_t>(enc & 0x7f), 0);
      } else if (aug[i] == 'L') {
        data.Fixed<uint8_t>();
      } else if (aug[i] == 'S') {
        c.signal = true;
      } else if (aug[i] != 'B') {
        break;  // unknown: the 'z' length lets us skip the rest
      }
    }
    b.p += len;
  } else if (aug_len > 0) {
    return c;  // an augmentation we cannot skip
  }
  if (b.bad) return c;
  c.insns = b.p;
  c.insns_end = b.end;
  c.ok = true;
  return c;
}

// The CFA summary of one CFI program (CIE initial instructions, then the
// FDE's). Tracks the CFA register across remember/restore_state.
struct CfaScan {
  static constexpr uint64_t kRsp = 7, kRbp = 6;
  uint64_t reg = kRsp;
  uint64_t saved[8] = {};
  int depth = 0;
  uint64_t max_offset = 0;
  bool complex = false;

  void Def(uint64_t r, int64_t offset) {
    reg = r;
    Offset(offset);
  }
  void Offset(int64_t offset) {
    if (reg != kRsp && reg != kRbp) complex = true;
    if (offset < 0) complex = true;
    max_offset = std::max<uint64_t>(max_offset, static_cast<uint64_t>(offset < 0 ? 0 : offset));
  }
  // Scans [p, end); false on an opcode it does not know.
  bool Run(const uint8_t* p, const uint8_t* end, int64_t data_align) {
    Bytes b{p, end};
    while (b.p < b.end && !b.bad) {
      uint8_t op = b.Fixed<uint8_t>();
      switch (op >> 6) {
        case 1:
          continue;  // advance_loc
        case 2:
          b.Uleb();
          continue;  // offset
        case 3:
          continue;  // restore
      }
      switch (op) {
        case 0x00:
          break;  // nop
        case 0x01:
          b.Fixed<uint64_t>();
          break;  // set_loc
        case 0x02:
          b.Fixed<uint8_t>();
          break;  // advance_loc1
        case 0x03:
          b.Fixed<uint16_t>();
          break;  // advance_loc2
        case 0x04:
          b.Fixed<uint32_t>();
          break;  // advance_loc4
        case 0x05:
          b.Uleb();
          b.Uleb();
          break;  // offset_extended
        case 0x06:
        case 0x07:
        case 0x08:
          b.Uleb();
          break;  // restore/undef/same
        case 0x09:
          b.Uleb();
          b.Uleb();
          break;    // register
        case 0x0a:  // remember_state
          if (depth < 8) saved[depth] = reg;
          ++depth;
          break;
        case 0x0b:  // restore_state
          if (depth > 0 && --depth < 8) reg = saved[depth];
          break;
        case 0x0c: {  // def_cfa
          uint64_t r = b.Uleb();
          Def(r, static_cast<int64_t>(b.Uleb()));
          break;
        }
        case 0x0d:
          reg = b.Uleb();
          Offset(0);
          break;  // def_cfa_register
        case 0x0e:
          Offset(static_cast<int64_t>(b.Uleb()));
          break;  // def_cfa_offset
        case 0x0f:
          complex = true;
          return false;  // def_cfa_expression
        case 0x10:
        case 0x16:
          complex = true;
          return false;  // (val_)expression
        case 0x11:
        case 0x14:
        case 0x15:
          b.Uleb();
          b.Sleb();
          break;      // *_sf, val_offset
        case 0x12: {  // def_cfa_sf
          uint64_t r = b.Uleb();
          Def(r, b.Sleb() * data_align);
          break;
        }
        case 0x13:
          Offset(b.Sleb() * data_align);
          break;  // def_cfa_offset_sf
        case 0x2e:
          b.Uleb();
          break;  // GNU_args_size
        case 0x2f:
          b.Uleb();
          b.Uleb();
          break;  // GNU_negative_offset_ext
        default:
          complex = true;
          return false;
      }
    }
    return !b.bad;
  }
};

// Length of the frame-pointer prologue at `code` (through `mov %rsp,%rbp`), or
// 0 when the function does not open with `[endbr64] push %rbp`. GCC may
// schedule a few instructions between the push and the mov; none of them
// touches rbp or calls, so rbp is this frame's base from the mov on.
uint8_t FpPrologue(const uint8_t* code, size_t avail) {
  static constexpr uint8_t kEndbr[] = {0xf3, 0x0f, 0x1e, 0xfa};
  static constexpr uint8_t kMov[] = {0x48, 0x89, 0xe5};
  static constexpr uint8_t kMovAlt[] = {0x48, 0x8b, 0xec};
  size_t at = 0;
  if (avail >= 4 && std::memcmp(code, kEndbr, 4) == 0) at = 4;
  if (avail <= at || code[at] != 0x55) return 0;  // push %rbp
  for (size_t i = at + 1; i + 3 <= avail; ++i) {
    if (std::memcmp(code + i, kMov, 3) == 0 || std::memcmp(code + i, kMovAlt, 3) == 0) {
      return static_cast<uint8_t>(i + 3);
    }
  }
  return 0;
}

std::atomic<const CodeMap*> g_current{nullptr};

// Bytes searched for the `mov %rsp,%rbp` of a prologue.
constexpr uintptr_t kPrologueScan = 24;

}  // namespace

int CodeMapBuilder::OnModule(dl_phdr_info* info, size_t /*size*/, void* self) {
  static_cast<CodeMapBuilder*>(self)->AddModule(*info);
  return 0;
}

void CodeMapBuilder::AddModule(const dl_phdr_info& info) {
  CodeModule m;
  const uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
  const uintptr_t loader = getauxval(AT_BASE);
  const ElfW(Phdr)* eh_hdr = nullptr;
  const auto module_index = static_cast<uint32_t>(map->modules_.size());
  std::vector<CodeRange> ranges;
  for (int i = 0; i < info.dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info.dlpi_phdr[i];
    if (ph.p_type == PT_GNU_EH_FRAME) eh_hdr = &ph;
    if (ph.p_type != PT_LOAD) continue;
    uintptr_t lo = info.dlpi_addr + ph.p_vaddr, hi = lo + ph.p_memsz;
    if (vdso != 0 && vdso >= lo && vdso < hi) m.kind = ModuleKind::kVdso;
    if ((ph.p_flags & PF_X) == 0 || hi <= lo) continue;
    ranges.push_back(CodeRange{lo, hi, module_index});
    m.lo = m.lo == 0 ? lo : std::min(m.lo, lo);
    m.hi = std::max(m.hi, hi);
  }
  if (ranges.empty()) return;
  if (loader != 0 && info.dlpi_addr == loader) m.kind = ModuleKind::kLoader;

  std::vector<CodeFunction> fns;
  // .eh_frame_hdr: version 1, then the encodings of eh_frame_ptr, fde_count
  // and the table, whose entries must be datarel sdata4 (all linkers emit it)
  // so the table can be read as int32 pairs.
  if (eh_hdr != nullptr && eh_hdr->p_memsz >= 4) {
    const auto* hdr = reinterpret_cast<const uint8_t*>(info.dlpi_addr + eh_hdr->p_vaddr);
    Bytes b{hdr, hdr + eh_hdr->p_memsz};
    uint8_t version = b.Fixed<uint8_t>(), ptr_enc = b.Fixed<uint8_t>(),
            count_enc = b.Fixed<uint8_t>(), table_enc = b.Fixed<uint8_t>();
    const auto base = reinterpret_cast<uintptr_t>(hdr);
    b.Encoded(ptr_enc, base);
    uint64_t count = b.Encoded(count_enc, base);
    if (!b.bad && version == 1 && table_enc == (kPeDatarel | kPeSdata4) && b.Has(count * 8)) {
      // FDEs and CIEs live in .eh_frame, which we bound only by its module:
      // every read stays inside [entry, entry + its length).
      const auto* limit = reinterpret_cast<const uint8_t*>(~uintptr_t{0} >> 1);
      std::map<const uint8_t*, CieInfo> cies;
      for (uint64_t i = 0; i < count; ++i) {
        int32_t rel[2];
        std::memcpy(rel, b.p + i * 8, sizeof rel);
        const uint8_t* fde = hdr + rel[1];
        Bytes e = Entry(fde, limit);
        if (e.bad) continue;
        const uint8_t* id_field = e.p;
        uint32_t cie_off = e.Fixed<uint32_t>();
        if (cie_off == 0) continue;  // a CIE, not an FDE
        const uint8_t* cie_at = id_field - cie_off;
        auto it = cies.find(cie_at);
        if (it == cies.end()) it = cies.emplace(cie_at, ParseCie(cie_at, limit)).first;
        const CieInfo& cie = it->second;
        if (!cie.ok) continue;
        CodeFunction f;
        f.start = e.Encoded(cie.fde_encoding, 0);
        uint64_t size = e.Encoded(cie.fde_encoding & 0x0f, 0);
        if (cie.has_z) e.p += e.Has(0) ? e.Uleb() : 0;
        if (e.bad || size == 0 || size > UINT32_MAX || f.start < m.lo || f.start + size > m.hi) {
          continue;
        }
        f.size = static_cast<uint32_t>(size);
        CfaScan scan;
        bool known = scan.Run(cie.insns, cie.insns_end, cie.data_align) && e.p <= e.end &&
                     scan.Run(e.p, e.end, cie.data_align);
        if (cie.signal) {
          f.cfa_kind = CodeFunction::kCfaSignal;
        } else if (known && !scan.complex) {
          f.cfa_kind = CodeFunction::kCfaSpOrFp;
        }
        f.max_cfa_offset = static_cast<uint16_t>(std::min<uint64_t>(scan.max_offset, 0xffff));
        for (const CodeRange& r : ranges) {
          if (f.start >= r.lo && f.start < r.hi) {
            f.fp_prologue = FpPrologue(reinterpret_cast<const uint8_t*>(f.start),
                                       std::min<uintptr_t>({kPrologueScan, r.hi - f.start, size}));
          }
        }
        fns.push_back(f);
      }
    }
  }
  std::sort(fns.begin(), fns.end(),
            [](const CodeFunction& a, const CodeFunction& b) { return a.start < b.start; });
  // Overlapping FDEs would make lookups ambiguous: keep the first of each.
  std::vector<CodeFunction> clean;
  for (const CodeFunction& f : fns) {
    if (clean.empty() || f.start >= clean.back().end()) clean.push_back(f);
  }
  std::vector<uint32_t> buckets((m.hi - m.lo) / CodeMap::kBucketBytes + 1);
  size_t j = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    uintptr_t at = m.lo + i * CodeMap::kBucketBytes;
    while (j < clean.size() && clean[j].end() <= at) ++j;
    buckets[i] = static_cast<uint32_t>(j);
  }
  map->functions_.push_back(std::move(clean));
  map->buckets_.push_back(std::move(buckets));
  map->modules_.push_back(m);
  map->ranges_.insert(map->ranges_.end(), ranges.begin(), ranges.end());
}

std::unique_ptr<CodeMap> CodeMap::Build() {
  CodeMapBuilder b;
  dl_iterate_phdr(CodeMapBuilder::OnModule, &b);
  CodeMap& m = *b.map;
  // Point the modules at their (now final) vectors.
  for (size_t i = 0; i < m.modules_.size(); ++i) {
    m.modules_[i].functions = m.functions_[i].data();
    m.modules_[i].function_count = m.functions_[i].size();
    m.modules_[i].buckets = m.buckets_[i].data();
    m.modules_[i].bucket_count = m.buckets_[i].size();
  }
  std::sort(m.ranges_.begin(), m.ranges_.end(),
            [](const CodeRange& a, const CodeRange& c) { return a.lo < c.lo; });
  return std::move(b.map);
}

const CodeRange* CodeMap::FindRange(uintptr_t addr) const {
  size_t lo = 0, hi = ranges_.size();
  while (lo < hi) {  // first range with lo > addr
    size_t mid = (lo + hi) / 2;
    if (ranges_[mid].lo <= addr) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) return nullptr;
  const CodeRange& r = ranges_[lo - 1];
  return addr < r.hi ? &r : nullptr;
}

const CodeFunction* CodeMap::FindFunction(const CodeModule& m, uintptr_t addr) {
  if (addr < m.lo || addr >= m.hi || m.function_count == 0) return nullptr;
  size_t i = m.buckets[(addr - m.lo) / kBucketBytes];
  while (i < m.function_count && m.functions[i].end() <= addr) ++i;
  if (i < m.function_count && m.functions[i].start <= addr) return &m.functions[i];
  return nullptr;
}

size_t CodeMap::function_count() const {
  size_t n = 0;
  for (const auto& f : functions_) n += f.size();
  return n;
}

const CodeMap* CurrentCodeMap() { return g_current.load(std::memory_order_acquire); }

void PublishCodeMap(std::unique_ptr<CodeMap> map) {
  static std::mutex mu;
  static std::vector<std::unique_ptr<CodeMap>>* retired = new std::vector<std::unique_ptr<CodeMap>>;
  std::lock_guard<std::mutex> lock(mu);
  g_current.store(map.get(), std::memory_order_release);
  retired->push_back(std::move(map));  // kept: a handler may still read an old one
}

}  // namespace lcprof
