// The mixed walk; see unwind_walk.h. Every frame goes through the same gates:
//   1. the frame's function, found in the code map by pc (pc - 1 for a
//      return address); unknown code can only be walked by frame pointers;
//   2. hybrid: a function that opens with `push %rbp; mov %rsp,%rbp`, at a pc
//      past that prologue and not in its epilogue, keeps its frame record at
//      rbp: one frame-pointer step (two stack words) is exact;
//   3. otherwise a DWARF step, only if DwarfGate bounds what libunwind will
//      read to [sp - 512, stack.hi) given the function's CFA summary;
//   4. else a frame-pointer step, whose two reads are bounds-checked.
// The interrupted pc on a `ret` is stepped before the gates: the caller's pc
// is the word at sp, whatever the function or its CFI.
// Each caller must sit strictly higher on the stack and return into known code
// (the code map, or a module loaded since it was built); anything else ends
// the walk in a pseudo-frame that says why.
#include "profiler/unwind_walk.h"

#include <dlfcn.h>

#include <algorithm>

#include "profiler/code_ranges.h"
#include "profiler/sample.h"
#include "profiler/unwind_dwarf.h"

namespace lcprof {
namespace {

__attribute__((tls_model("initial-exec"))) thread_local int t_loader_calls;

// DWARF steps need this much stack below sp: libunwind reads saved registers
// below a frame-base register that may itself sit at sp.
constexpr uintptr_t kLowMargin = 512;
// A signal trampoline's CFI reads the kernel's sigframe above sp.
constexpr uintptr_t kSigframeBytes = 1024;

// True when rbp is the frame base of `f` at `pc` (gate 2).
bool FpTrusted(const CodeFunction& f, uintptr_t pc, bool is_return) {
  if (f.fp_prologue == 0) return false;
  const uintptr_t body = f.start + f.fp_prologue;
  if (is_return) return pc - 1 >= body;  // a call site lies inside the body
  if (pc < body) return false;           // rbp not yet set
  // After `pop %rbp` / `leave` rbp is the caller's again; the byte before pc
  // lies in [body - 1, end) and pc in [body, end): both readable code.
  const auto* code = reinterpret_cast<const uint8_t*>(pc);
  if (code[0] == 0xc3 || code[0] == 0xf3) return false;  // ret, rep ret
  if (code[-1] == 0x5d || code[-1] == 0xc9) return false;
  return true;
}

// Gate 3: may libunwind step the frame `r` in `f`? Sets *fp to the rbp it
// should see: an rbp that cannot be this frame's base is fenced to sp, so an
// rbp-based CFA rule reads inside the stack instead of at a wild address.
bool DwarfGate(const CodeFunction& f, const FrameRegs& r, StackBounds stack, bool real_regs,
               uintptr_t* fp) {
  if (r.sp < stack.lo + kLowMargin || r.sp >= stack.hi) return false;
  const uintptr_t room = stack.hi - r.sp;
  switch (f.cfa_kind) {
    case CodeFunction::kCfaSignal:
      return room >= kSigframeBytes;
    case CodeFunction::kCfaSpOrFp: {
      // Every CFA is sp + k or rbp + k with k <= reach; the return address
      // and saved registers lie below the CFA, so CFA <= stack.hi keeps every
      // read inside. (A makecontext stack's root sits 8 bytes under its top.)
      const uintptr_t reach = std::max<uintptr_t>(f.max_cfa_offset, 8);
      if (reach > room) return false;
      if (r.fp < r.sp || r.fp - r.sp > room - reach) *fp = r.sp;
      return true;
    }
    case CodeFunction::kCfaComplex:
    default:
      // Expressions or other registers: only with every register real (the
      // interrupted leaf) and an rbp that may be a frame base.
      return real_regs && r.fp >= r.sp && r.fp - r.sp <= room - 16;
  }
}

// The interrupted pc on a `ret` (or `rep ret`): the caller's pc is the word
// at sp, its sp the next one; no register changes. Exact without CFI, which
// matters because libunwind cannot be given the row of a `ret` that is its
// function's last byte (unwind_dwarf.h). `range` holds pc (readable code).
bool RetStep(const CodeRange& range, const FrameRegs& cur, StackBounds stack, FrameRegs* next) {
  const auto* code = reinterpret_cast<const uint8_t*>(cur.pc);
  const bool ret = code[0] == 0xc3 || (cur.pc + 1 < range.hi && code[0] == 0xf3 && code[1] == 0xc3);
  if (!ret || cur.sp < stack.lo || cur.sp > stack.hi - sizeof(uintptr_t) || (cur.sp & 7) != 0) {
    return false;
  }
  *next =
      FrameRegs{*reinterpret_cast<const uintptr_t*>(cur.sp), cur.sp + sizeof(uintptr_t), cur.fp};
  return true;
}

// Whether `ret` (a return address) returns into known code: the code map's
// executable ranges, else a module loaded after the map was built
// (_dl_find_object: lock-free, documented async-signal-safe). A stack or heap
// address, or garbage, is not a caller.
bool ReturnsIntoCode(const CodeMap* map, uintptr_t ret) {
  if (ret == 0) return false;
  const uintptr_t at = ret - 1;  // the call instruction
  if (map != nullptr && map->FindRange(at) != nullptr) return true;
  dl_find_object found;
  return _dl_find_object(reinterpret_cast<void*>(at), &found) == 0;
}

// Gate 4: one frame-pointer step. `cur.sp` is the floor: the frame record
// must lie in [cur.sp, stack.hi), 8-aligned.
bool FpStep(const FrameRegs& cur, StackBounds stack, FrameRegs* next) {
  constexpr uintptr_t kRecord = 2 * sizeof(uintptr_t);
  if (cur.fp < cur.sp || cur.fp > stack.hi - kRecord || (cur.fp & 7) != 0) return false;
  const auto* frame = reinterpret_cast<const uintptr_t*>(cur.fp);
  *next = FrameRegs{frame[1], cur.fp + kRecord, frame[0]};
  return true;
}

}  // namespace

int LoaderCallDepth() { return t_loader_calls; }
void NoteLoaderCall(int delta) {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_loader_calls += delta;
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

int WalkMixed(const UnwindStart& start, StackBounds stack, uintptr_t* out, int max, bool hybrid) {
  if (max <= 0 || stack.hi == 0) return 0;
  const CodeMap* map = CurrentCodeMap();
  const int limit = max - 1;  // leaves room for the pseudo-frame that ends a cut walk
  FrameRegs cur{start.pc, start.sp, start.fp};
  bool is_return = start.ucontext == nullptr;
  bool real_regs = start.ucontext != nullptr;
  bool dwarf_ok = map != nullptr && t_loader_calls == 0;
  DwarfWalkScope in_walk;
  DwarfStepper dwarf;
  bool live = false;  // the DWARF cursor stands on `cur`
  int n = 0;
  for (;;) {
    const uintptr_t lookup = is_return ? cur.pc - 1 : cur.pc;
    const CodeFunction* fn = nullptr;
    const CodeRange* range = map ? map->FindRange(lookup) : nullptr;
    if (range != nullptr) {
      const CodeModule& m = map->Module(*range);
      // In the loader DWARF lookups could meet half-updated link maps.
      if (m.kind == ModuleKind::kLoader) dwarf_ok = false;
      fn = CodeMap::FindFunction(m, lookup);
      // A "return address" at the first byte of a function, with no FDE
      // before it: no call returns there, it was pushed as the root of a
      // stack (makecontext's __start_context, whose CFI would read the
      // uc_link slot as a return address). Nothing above it is a caller.
      if (fn == nullptr && is_return) {
        const CodeFunction* entry = CodeMap::FindFunction(m, cur.pc);
        if (entry != nullptr && entry->start == cur.pc) return n;
      }
    }
    FrameRegs next;
    bool stepped = false;
    if (!is_return && range != nullptr && RetStep(*range, cur, stack, &next)) {
      live = false;
      stepped = true;
    } else if (fn != nullptr && dwarf_ok && !(hybrid && FpTrusted(*fn, cur.pc, is_return))) {
      uintptr_t fp = cur.fp;
      if (DwarfGate(*fn, cur, stack, real_regs, &fp)) {
        if (!live) {
          if (!dwarf.Begin(FrameRegs{cur.pc, cur.sp, fp}, is_return, fn->end(),
                           real_regs ? start.ucontext : nullptr)) {
            out[n++] = kFrameDwarfFailed;
            return n;
          }
          live = true;
        } else if (fp != cur.fp) {
          dwarf.SetFp(fp);
        }
        int rc = dwarf.Step(&next);
        if (rc < 0) {
          out[n++] = kFrameDwarfFailed;
          return n;
        }
        if (rc == 0) {
          // The outermost frame (no caller), or a caller libunwind knows no
          // unwind info for: that one is still a frame, walked on by fp.
          // (Begin hands libunwind pc - 1, pc or pc + 1.)
          if (next.pc == 0 || (next.pc + 1 >= cur.pc && next.pc <= cur.pc + 1)) return n;
          live = false;
        }
        stepped = true;
      }
    }
    if (!stepped) {
      live = false;
      if (cur.fp == 0) return n;  // the root of a frame-pointer chain
      if (!FpStep(cur, stack, &next)) {
        out[n++] = kFrameBrokenChain;
        return n;
      }
    }
    real_regs = false;
    if (next.pc == 0 || IsPseudoFrame(next.pc)) return n;  // no caller
    if (next.sp <= cur.sp || next.sp > stack.hi || !ReturnsIntoCode(map, next.pc)) {
      out[n++] = kFrameBrokenChain;
      return n;
    }
    if (n == limit) {
      out[n++] = kFrameTruncated;  // a real frame is left over
      return n;
    }
    out[n++] = next.pc;
    cur = next;
    is_return = true;
  }
}

}  // namespace lcprof
