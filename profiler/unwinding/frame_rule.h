// How to step from a frame to its caller at one code address: the row of the
// DWARF CFI table in force there, reduced to what a walker that tracks only
// pc, sp and rbp needs. Produced by cfi_reader.cc, cached by
// frame_rule_cache.h, applied by unwind_walk.cc. It packs into 64 bits, so the
// cache publishes one with a single atomic store.
#pragma once

#include <cstdint>

namespace lcprof {

struct FrameRule {
  enum Kind : uint8_t {
    kInvalid = 0,  // never stored: an empty cache slot
    kNoInfo,       // no FDE covers the address: frame pointers or nothing
    kCfa,          // CFA = (rsp|rbp) + cfa_offset; return address at CFA - 8
    kCfaDerefFp,   // CFA = *(rbp + cfa_offset) (a stack-realigning DRAP frame)
    kCfaPlt,       // a PLT stub: CFA = rsp + cfa_offset, + 8 once (pc & 15) >= plt_push
    kRoot,         // the return address is undefined: the outermost frame
    kSignal,       // a signal trampoline: the kernel's ucontext lies at sp
    kComplex,      // CFI this walker cannot express: LLVM libunwind's job
  };
  enum FpRule : uint8_t {
    kFpSame = 0,  // rbp keeps its value in the caller
    kFpAtCfa,     // the caller's rbp is saved at CFA + fp_offset
    kFpAtFp,      // the caller's rbp is saved at rbp + fp_offset
  };

  Kind kind = kInvalid;
  bool cfa_is_fp = false;  // kCfa: the CFA is based on rbp (else on rsp)
  FpRule fp_rule = kFpSame;
  int16_t fp_offset = 0;
  uint8_t plt_push = 0;  // kCfaPlt: offset within a 16-byte stub of its `push`'s end
  int32_t cfa_offset = 0;

  // The cache's 64-bit form: kind in bits 0-3, cfa_is_fp bit 4, fp_rule bits
  // 5-6, fp_offset bits 8-23, plt_push bits 24-31, cfa_offset bits 32-63.
  // Never 0 for a valid rule.
  uint64_t Pack() const {
    return static_cast<uint64_t>(kind) | (static_cast<uint64_t>(cfa_is_fp) << 4) |
           (static_cast<uint64_t>(fp_rule) << 5) |
           (static_cast<uint64_t>(static_cast<uint16_t>(fp_offset)) << 8) |
           (static_cast<uint64_t>(plt_push) << 24) |
           (static_cast<uint64_t>(static_cast<uint32_t>(cfa_offset)) << 32);
  }
  static FrameRule Unpack(uint64_t v) {
    FrameRule r;
    r.kind = static_cast<Kind>(v & 0xf);
    r.cfa_is_fp = ((v >> 4) & 1) != 0;
    r.fp_rule = static_cast<FpRule>((v >> 5) & 3);
    r.fp_offset = static_cast<int16_t>(static_cast<uint16_t>((v >> 8) & 0xffff));
    r.plt_push = static_cast<uint8_t>((v >> 24) & 0xff);
    r.cfa_offset = static_cast<int32_t>(static_cast<uint32_t>(v >> 32));
    return r;
  }
  bool operator==(const FrameRule& o) const { return Pack() == o.Pack(); }
};

}  // namespace lcprof
