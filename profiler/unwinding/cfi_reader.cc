// The CFI reader; see cfi_reader.h. Steps, all bounded:
//   1. the module's PT_LOAD segments, from its ELF header: the only memory
//      the reader touches is the segment holding .eh_frame_hdr and the one
//      holding .eh_frame;
//   2. a binary search of .eh_frame_hdr's sorted table (initial location,
//      FDE address) for the last FDE starting at or below the address;
//   3. that FDE and its CIE: code range, pointer encoding, alignment
//      factors, signal-frame flag;
//   4. the CIE's initial instructions, then the FDE's, until a row would
//      start above the address; only the CFA, rbp and the return address are
//      tracked, other registers' rules are read past.
#include "profiler/unwinding/cfi_reader.h"

#include <elf.h>

#include <cstring>

namespace lcprof {
namespace {

// DWARF register numbers on x86-64.
constexpr uint64_t kRegFp = 6, kRegSp = 7, kRegRa = 16;

// DW_EH_PE_* pointer encodings.
constexpr uint8_t kPeOmit = 0xff, kPeAbs = 0x00, kPeUleb = 0x01, kPeUdata2 = 0x02, kPeUdata4 = 0x03,
                  kPeUdata8 = 0x04, kPeSleb = 0x09, kPeSdata2 = 0x0a, kPeSdata4 = 0x0b,
                  kPeSdata8 = 0x0c, kPePcrel = 0x10, kPeDatarel = 0x30, kPeIndirect = 0x80;

// Readable bytes [lo, hi) of one segment.
struct Region {
  uintptr_t lo = 0, hi = 0;
  bool Holds(uintptr_t p, uintptr_t n) const { return p >= lo && p <= hi && hi - p >= n; }
};

// A cursor over unwind data confined to a Region. A read that would leave it
// sets `bad` and yields 0, so malformed data is rejected, never overrun.
struct Cursor {
  uintptr_t p;
  Region r;
  bool bad = false;

  bool Take(uintptr_t n) {
    if (bad || !r.Holds(p, n)) bad = true;
    return !bad;
  }
  template <typename T>
  T Fixed() {
    if (!Take(sizeof(T))) return 0;
    T v;
    std::memcpy(&v, reinterpret_cast<const void*>(p), sizeof v);
    p += sizeof v;
    return v;
  }
  uint8_t Byte() { return Fixed<uint8_t>(); }
  uint64_t Uleb() {
    uint64_t v = 0;
    for (int shift = 0; Take(1); shift += 7) {
      const uint8_t b = *reinterpret_cast<const uint8_t*>(p++);
      if (shift < 64) v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return 0;
  }
  int64_t Sleb() {
    int64_t v = 0;
    for (int shift = 0; Take(1);) {
      const uint8_t b = *reinterpret_cast<const uint8_t*>(p++);
      if (shift < 64) v |= static_cast<int64_t>(static_cast<uint64_t>(b & 0x7f) << shift);
      shift += 7;
      if ((b & 0x80) == 0) {
        // Sign extension through an unsigned mask: at shift 63, -(1 << 63)
        // would negate INT64_MIN (found by fuzz_cfi_reader).
        if (shift < 64 && (b & 0x40) != 0) v |= static_cast<int64_t>(~uint64_t{0} << shift);
        return v;
      }
    }
    return 0;
  }
  // A pointer in encoding `enc`: pcrel is relative to the field, datarel to
  // `data_base`. Indirect and text/function-relative pointers are refused.
  uintptr_t Encoded(uint8_t enc, uintptr_t data_base) {
    const uintptr_t field = p;
    uintptr_t v = 0;
    switch (enc & 0x0f) {
      case kPeAbs:
      case kPeUdata8:
      case kPeSdata8:
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
      case kPeSleb:
        v = static_cast<uintptr_t>(Sleb());
        break;
      case kPeSdata2:
        v = static_cast<uintptr_t>(int64_t{Fixed<int16_t>()});
        break;
      case kPeSdata4:
        v = static_cast<uintptr_t>(int64_t{Fixed<int32_t>()});
        break;
      default:
        bad = true;
        return 0;
    }
    if ((enc & kPeIndirect) != 0) bad = true;
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
    }
    return v;
  }
};

// The PT_LOAD segment of `m` holding `addr`, from the ELF header at the
// module's start (mapped: the first segment maps file offset 0).
Region SegmentHolding(const CodeModule& m, uintptr_t addr) {
  constexpr uintptr_t kPage = 4096;
  if (m.hi - m.lo < kPage) return {};
  Elf64_Ehdr eh;
  std::memcpy(&eh, reinterpret_cast<const void*>(m.lo), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
      eh.e_phoff > kPage || eh.e_phnum > (kPage - eh.e_phoff) / sizeof(Elf64_Phdr)) {
    return {};
  }
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, reinterpret_cast<const void*>(m.lo + eh.e_phoff + i * sizeof ph), sizeof ph);
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_R) == 0) continue;
    const uintptr_t lo = m.bias + ph.p_vaddr, hi = lo + ph.p_filesz;
    if (addr >= lo && addr < hi && lo >= m.lo && hi <= m.hi) return Region{lo, hi};
  }
  return {};
}

// A factored offset (operand x data alignment factor). It wraps instead of
// overflowing: malformed CFI then yields a wrong offset, which every later
// read bounds-checks anyway, never undefined behaviour in the handler.
int64_t Factored(uint64_t operand, int64_t align) {
  return static_cast<int64_t>(operand * static_cast<uint64_t>(align));
}

// One register's rule, for the two registers the walker tracks.
struct RegRule {
  enum How : uint8_t { kSame, kUndefined, kAtCfa, kAtFp, kOther } how = kSame;
  int64_t offset = 0;
};

struct Row {
  uint64_t cfa_reg = kRegSp;
  int64_t cfa_offset = 8;
  enum CfaHow : uint8_t { kRegPlusOffset, kDerefFp, kPlt, kCfaOther } cfa_how = kRegPlusOffset;
  uint8_t plt_push = 0;
  RegRule fp, ra;
};

struct Cie {
  uint64_t code_align = 1;
  int64_t data_align = -8;
  uint8_t fde_enc = kPeAbs;
  bool signal_frame = false;
  bool has_augmentation_data = false;  // 'z': FDEs carry an augmentation length
  uintptr_t insns = 0, end = 0;
};

bool ParseCie(uintptr_t at, Region r, Cie* cie) {
  Cursor c{at, r};
  uint64_t length = c.Fixed<uint32_t>();
  if (length == 0xffffffff) length = c.Fixed<uint64_t>();
  if (c.bad || length == 0 || !r.Holds(c.p, length)) return false;
  cie->end = c.p + length;
  if (c.Fixed<uint32_t>() != 0) return false;  // a CIE's id is 0 in .eh_frame
  const uint8_t version = c.Byte();
  if (version != 1 && version != 3 && version != 4) return false;
  char aug[8];
  size_t n = 0;
  for (char ch = static_cast<char>(c.Byte()); ch != 0 && !c.bad; ch = static_cast<char>(c.Byte())) {
    if (n + 1 >= sizeof aug) return false;
    aug[n++] = ch;
  }
  aug[n] = 0;
  if (version == 4 && c.Take(2)) c.p += 2;  // address and segment selector sizes
  cie->code_align = c.Uleb();
  cie->data_align = c.Sleb();
  const uint64_t ra = version == 1 ? c.Byte() : c.Uleb();
  if (ra != kRegRa) return false;
  if (n > 0 && aug[0] == 'z') {
    cie->has_augmentation_data = true;
    const uint64_t aug_len = c.Uleb();
    const uintptr_t data_end = c.p + aug_len;
    for (size_t i = 1; i < n && !c.bad; ++i) {
      switch (aug[i]) {
        case 'L':
          c.Byte();
          break;
        case 'P':
          c.Encoded(static_cast<uint8_t>(c.Byte() & ~kPeIndirect), 0);
          break;
        case 'R':
          cie->fde_enc = c.Byte();
          break;
        case 'S':
          cie->signal_frame = true;
          break;
        default:
          i = n;  // unknown: the length still says where the instructions start
      }
    }
    c.p = data_end;
  } else if (n > 0 && std::strcmp(aug, "eh") != 0) {
    return false;  // an augmentation we cannot skip
  }
  cie->insns = c.p;
  return !c.bad && c.p <= cie->end;
}

// Reads a block of a DW_CFA_*expression and says whether it is exactly
// `DW_OP_breg6 k` (rbp + k), or with `DW_OP_deref` after it.
bool FpExpression(Cursor& c, bool deref, int64_t* k) {
  const uint64_t len = c.Uleb();
  if (!c.Take(len)) return false;
  Cursor e{c.p, Region{c.p, c.p + len}};
  c.p += len;
  if (e.Byte() != 0x76) return false;  // DW_OP_breg6
  *k = e.Sleb();
  if (deref && e.Byte() != 0x06) return false;  // DW_OP_deref
  return !e.bad && e.p == e.r.hi;
}

// Whether a DW_CFA_def_cfa_expression block is the one linkers emit for PLT
// stubs: rsp + k, plus 8 once the stub's `push` ran, i.e. once
// (rip & 15) >= n: `breg7 k; breg16 0; lit15; and; lit<n>; ge; lit3; shl; plus`.
bool PltExpression(Cursor& c, int64_t* k, uint8_t* n) {
  const uint64_t len = c.Uleb();
  if (!c.Take(len)) return false;
  Cursor e{c.p, Region{c.p, c.p + len}};
  c.p += len;
  if (e.Byte() != 0x77) return false;  // DW_OP_breg7 (rsp)
  *k = e.Sleb();
  if (e.Byte() != 0x80 || e.Sleb() != 0) return false;     // DW_OP_breg16 (rip) 0
  if (e.Byte() != 0x3f || e.Byte() != 0x1a) return false;  // lit15; and
  const uint8_t lit = e.Byte();                            // lit<n>
  if (lit < 0x30 || lit > 0x4f) return false;
  *n = static_cast<uint8_t>(lit - 0x30);
  static constexpr uint8_t kTail[] = {0x2a, 0x33, 0x24, 0x22};  // ge; lit3; shl; plus
  for (uint8_t op : kTail) {
    if (e.Byte() != op) return false;
  }
  return !e.bad && e.p == e.r.hi;
}

void SetRule(Row& row, uint64_t reg, RegRule rule) {
  if (reg == kRegFp) row.fp = rule;
  if (reg == kRegRa) row.ra = rule;
}

// Runs CFI instructions [c.p, end) into `row`, stopping before a row that
// would start above `target` (when `loc` is non-null; the CIE's initial
// instructions run without locations). `init` is the CIE's row, for
// DW_CFA_restore. False on malformed or unsupported input.
bool RunCfi(Cursor c, uintptr_t end, const Cie& cie, uintptr_t* loc, uintptr_t target,
            const Row& init, Row& row) {
  constexpr int kMaxRemembered = 8;
  Row remembered[kMaxRemembered];
  int depth = 0;
  auto advance = [&](uint64_t delta) {
    if (loc == nullptr) return true;
    const uintptr_t next = *loc + delta * cie.code_align;
    if (next > target) return false;
    *loc = next;
    return true;
  };
  while (c.p < end && !c.bad) {
    const uint8_t op = c.Byte();
    const uint8_t low = op & 0x3f;
    switch (op >> 6) {
      case 1:  // DW_CFA_advance_loc
        if (!advance(low)) return true;
        continue;
      case 2:  // DW_CFA_offset
        SetRule(row, low, {RegRule::kAtCfa, Factored(c.Uleb(), cie.data_align)});
        continue;
      case 3:  // DW_CFA_restore
        if (low == kRegFp) row.fp = init.fp;
        if (low == kRegRa) row.ra = init.ra;
        continue;
      default:
        break;
    }
    uint64_t reg = 0;
    int64_t k = 0;
    switch (op) {
      case 0x00:  // nop
        break;
      case 0x01: {  // set_loc
        const uintptr_t to = c.Encoded(cie.fde_enc, 0);
        if (loc != nullptr) {
          if (to > target) return true;
          *loc = to;
        }
        break;
      }
      case 0x02:
        if (!advance(c.Byte())) return true;
        break;
      case 0x03:
        if (!advance(c.Fixed<uint16_t>())) return true;
        break;
      case 0x04:
        if (!advance(c.Fixed<uint32_t>())) return true;
        break;
      case 0x05:  // offset_extended
        reg = c.Uleb();
        SetRule(row, reg, {RegRule::kAtCfa, Factored(c.Uleb(), cie.data_align)});
        break;
      case 0x06:  // restore_extended
        reg = c.Uleb();
        if (reg == kRegFp) row.fp = init.fp;
        if (reg == kRegRa) row.ra = init.ra;
        break;
      case 0x07:  // undefined
        SetRule(row, c.Uleb(), {RegRule::kUndefined, 0});
        break;
      case 0x08:  // same_value
        SetRule(row, c.Uleb(), {RegRule::kSame, 0});
        break;
      case 0x09:  // register
        reg = c.Uleb();
        c.Uleb();
        SetRule(row, reg, {RegRule::kOther, 0});
        break;
      case 0x0a:  // remember_state
        if (depth == kMaxRemembered) return false;
        remembered[depth++] = row;
        break;
      case 0x0b:  // restore_state
        if (depth == 0) return false;
        row = remembered[--depth];
        break;
      case 0x0c:  // def_cfa
        row.cfa_reg = c.Uleb();
        row.cfa_offset = static_cast<int64_t>(c.Uleb());
        row.cfa_how = Row::kRegPlusOffset;
        break;
      case 0x0d:  // def_cfa_register
        row.cfa_reg = c.Uleb();
        if (row.cfa_how != Row::kRegPlusOffset) row.cfa_how = Row::kCfaOther;
        break;
      case 0x0e:  // def_cfa_offset
        row.cfa_offset = static_cast<int64_t>(c.Uleb());
        if (row.cfa_how != Row::kRegPlusOffset) row.cfa_how = Row::kCfaOther;
        break;
      case 0x0f: {  // def_cfa_expression
        Cursor probe = c, plt = c;
        uint8_t push = 0;
        if (FpExpression(probe, true, &k)) {
          row.cfa_how = Row::kDerefFp;
          row.cfa_offset = k;
          c = probe;
        } else if (PltExpression(plt, &k, &push)) {
          row.cfa_how = Row::kPlt;
          row.cfa_offset = k;
          row.plt_push = push;
          c = plt;
        } else {
          const uint64_t len = c.Uleb();
          if (c.Take(len)) c.p += len;
          row.cfa_how = Row::kCfaOther;
        }
        break;
      }
      case 0x10: {  // expression
        reg = c.Uleb();
        Cursor probe = c;
        if (reg == kRegFp && FpExpression(probe, false, &k)) {
          row.fp = {RegRule::kAtFp, k};
          c = probe;
        } else {
          const uint64_t len = c.Uleb();
          if (c.Take(len)) c.p += len;
          SetRule(row, reg, {RegRule::kOther, 0});
        }
        break;
      }
      case 0x11:  // offset_extended_sf
        reg = c.Uleb();
        SetRule(row, reg,
                {RegRule::kAtCfa, Factored(static_cast<uint64_t>(c.Sleb()), cie.data_align)});
        break;
      case 0x12:  // def_cfa_sf
        row.cfa_reg = c.Uleb();
        row.cfa_offset = Factored(static_cast<uint64_t>(c.Sleb()), cie.data_align);
        row.cfa_how = Row::kRegPlusOffset;
        break;
      case 0x13:  // def_cfa_offset_sf
        row.cfa_offset = Factored(static_cast<uint64_t>(c.Sleb()), cie.data_align);
        if (row.cfa_how != Row::kRegPlusOffset) row.cfa_how = Row::kCfaOther;
        break;
      case 0x14:  // val_offset
      case 0x15:  // val_offset_sf
        reg = c.Uleb();
        if (op == 0x14) {
          c.Uleb();
        } else {
          c.Sleb();
        }
        SetRule(row, reg, {RegRule::kOther, 0});
        break;
      case 0x16: {  // val_expression
        reg = c.Uleb();
        const uint64_t len = c.Uleb();
        if (c.Take(len)) c.p += len;
        SetRule(row, reg, {RegRule::kOther, 0});
        break;
      }
      case 0x2e:  // GNU_args_size
        c.Uleb();
        break;
      case 0x2f:  // GNU_negative_offset_extended
        reg = c.Uleb();
        SetRule(row, reg, {RegRule::kAtCfa, Factored(0 - c.Uleb(), cie.data_align)});
        break;
      default:
        return false;
    }
  }
  return !c.bad;
}

template <typename T>
bool Fits(int64_t v) {
  return v >= INT64_C(-1) << (8 * sizeof(T) - 1) && v < INT64_C(1) << (8 * sizeof(T) - 1);
}

FrameRule RuleFromRow(const Row& row, bool signal_frame) {
  FrameRule rule;
  if (signal_frame) {
    rule.kind = FrameRule::kSignal;
    return rule;
  }
  if (row.ra.how == RegRule::kUndefined) {
    rule.kind = FrameRule::kRoot;
    return rule;
  }
  rule.kind = FrameRule::kComplex;
  if (row.ra.how != RegRule::kAtCfa || row.ra.offset != -8) return rule;
  switch (row.fp.how) {
    case RegRule::kSame:
    case RegRule::kUndefined:
      rule.fp_rule = FrameRule::kFpSame;
      break;
    case RegRule::kAtCfa:
    case RegRule::kAtFp:
      if (!Fits<int16_t>(row.fp.offset)) return rule;
      rule.fp_rule = row.fp.how == RegRule::kAtCfa ? FrameRule::kFpAtCfa : FrameRule::kFpAtFp;
      rule.fp_offset = static_cast<int16_t>(row.fp.offset);
      break;
    default:
      return rule;
  }
  if (!Fits<int32_t>(row.cfa_offset)) return rule;
  if (row.cfa_how == Row::kDerefFp) {
    rule.kind = FrameRule::kCfaDerefFp;
  } else if (row.cfa_how == Row::kPlt) {
    rule.kind = FrameRule::kCfaPlt;
    rule.plt_push = row.plt_push;
  } else if (row.cfa_how == Row::kRegPlusOffset &&
             (row.cfa_reg == kRegSp || row.cfa_reg == kRegFp)) {
    rule.kind = FrameRule::kCfa;
    rule.cfa_is_fp = row.cfa_reg == kRegFp;
  } else {
    return rule;
  }
  rule.cfa_offset = static_cast<int32_t>(row.cfa_offset);
  return rule;
}

// Step 2: the address of the FDE whose table entry is the last one starting
// at or below `addr`; 0 when there is none or the table is unusable.
uintptr_t SearchTable(uintptr_t hdr, Region r, uintptr_t addr, uintptr_t* eh_frame) {
  Cursor c{hdr, r};
  const uint8_t version = c.Byte(), frame_enc = c.Byte(), count_enc = c.Byte(),
                table_enc = c.Byte();
  if (c.bad || version != 1) return 0;
  *eh_frame = c.Encoded(frame_enc, hdr);
  if (count_enc == kPeOmit || table_enc != (kPeDatarel | kPeSdata4)) return 0;
  const uint64_t count = c.Encoded(count_enc, hdr);
  if (c.bad || count == 0 || count > (r.hi - c.p) / 8) return 0;
  // Entries are read by memcpy (a plain load once compiled): a malformed
  // header may leave the table misaligned.
  auto table = [table = c.p](uint64_t i) {
    int32_t v;
    std::memcpy(&v, reinterpret_cast<const void*>(table + 4 * i), sizeof v);
    return static_cast<intptr_t>(v);
  };
  // Last entry with start <= addr.
  uint64_t lo = 0, hi = count;
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (hdr + table(2 * mid) <= addr) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  if (hdr + table(2 * lo) > addr) return 0;
  return hdr + table(2 * lo + 1);
}

}  // namespace

CfiLookup ReadFrameRule(const CodeModule& module, uintptr_t addr) {
  CfiLookup out;
  out.rule.kind = FrameRule::kNoInfo;
  const auto hdr = reinterpret_cast<uintptr_t>(module.eh_frame_hdr);
  if (hdr == 0) return out;
  const Region hdr_region = SegmentHolding(module, hdr);
  uintptr_t eh_frame = 0;
  const uintptr_t fde = SearchTable(hdr, hdr_region, addr, &eh_frame);
  if (fde == 0) return out;
  const Region frames = SegmentHolding(module, eh_frame != 0 ? eh_frame : fde);
  if (!frames.Holds(fde, 8)) return out;

  // Step 3: the FDE and its CIE.
  Cursor c{fde, frames};
  uint64_t length = c.Fixed<uint32_t>();
  if (length == 0xffffffff) length = c.Fixed<uint64_t>();
  if (c.bad || length == 0 || !frames.Holds(c.p, length)) return out;
  const uintptr_t fde_end = c.p + length;
  const uintptr_t cie_field = c.p;
  const uint32_t cie_offset = c.Fixed<uint32_t>();
  if (cie_offset == 0 || cie_offset > cie_field) return out;  // 0: this is a CIE
  Cie cie;
  if (!ParseCie(cie_field - cie_offset, frames, &cie)) return out;
  const uintptr_t start = c.Encoded(cie.fde_enc, 0);
  const uintptr_t range = c.Encoded(static_cast<uint8_t>(cie.fde_enc & 0x0f), 0);
  if (c.bad || addr < start || addr - start >= range) return out;
  out.fde_start = start;
  if (cie.has_augmentation_data) {
    const uint64_t skip = c.Uleb();  // the FDE's augmentation data (its LSDA pointer)
    if (c.Take(skip)) c.p += skip;
  }
  if (c.bad || c.p > fde_end) return out;
  out.rule.kind = FrameRule::kComplex;  // from here on, failures are CFI we cannot run

  // Step 4: the CIE's initial row, then the FDE's rows up to addr.
  Row init;
  init.ra = {RegRule::kAtCfa, -8};
  Cursor cie_insns{cie.insns, frames};
  if (!RunCfi(cie_insns, cie.end, cie, nullptr, 0, init, init)) return out;
  Row row = init;
  uintptr_t loc = start;
  if (!RunCfi(c, fde_end, cie, &loc, addr, init, row)) return out;
  out.rule = RuleFromRow(row, cie.signal_frame);
  return out;
}

}  // namespace lcprof
