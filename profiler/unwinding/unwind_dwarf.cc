// DWARF steps through LLVM libunwind (linked statically and hidden; see
// unwinders.cmake), and the guard that keeps libunwind off the loader's lock
// in signal context. The gate deciding which frames may be stepped is in
// unwind_walk.cc.
//
// libunwind's own FDE cache takes a rwlock and may malloc (DwarfFDECache,
// written after a linear .eh_frame scan), which a handler must never do.
// It is not reached: the walker steps libunwind only from a pc whose FDE
// cfi_reader.cc found through the module's .eh_frame_hdr table, and
// libunwind, given the same module by _dl_find_object, finds it there too;
// it scans and caches only for modules without that table.
#include "profiler/unwinding/unwind_dwarf.h"

#include <libunwind.h>
#include <link.h>
#include <ucontext.h>

#include <atomic>
#include <cstring>

namespace lcprof {
namespace {

// The header sizes these for every architecture libunwind may be built for
// (ours is native-only and uses the first 33 / 21 words); the extra is unused.
static_assert(sizeof(unw_cursor_t) <= sizeof(uint64_t[180]), "DwarfStepper cursor storage");
static_assert(sizeof(unw_context_t) >= 17 * sizeof(uint64_t), "x86-64 libunwind context");

// unw_context_t on x86-64 is libunwind's register file, in this order (the
// layout __unw_getcontext stores): rax rbx rcx rdx rdi rsi rbp rsp r8..r15 rip.
enum ContextSlot { kRax, kRbx, kRcx, kRdx, kRdi, kRsi, kRbp, kRsp, kR8, kRip = 16 };

__attribute__((tls_model("initial-exec"))) thread_local int t_in_walk;
std::atomic<uint64_t> g_refused{0};

unw_cursor_t* Cursor(uint64_t* storage) { return reinterpret_cast<unw_cursor_t*>(storage); }

}  // namespace

DwarfWalkScope::DwarfWalkScope() {
  ++t_in_walk;
  std::atomic_signal_fence(std::memory_order_seq_cst);
}
DwarfWalkScope::~DwarfWalkScope() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  --t_in_walk;
}

DwarfGuardCounts DwarfGuardCountsForTest() {
  return DwarfGuardCounts{g_refused.load(std::memory_order_relaxed)};
}

bool DwarfStepper::Begin(const FrameRegs& at, bool pc_is_return, const void* ucontext) {
  unw_context_t ctx;
  std::memset(&ctx, 0, sizeof ctx);
  auto* r = reinterpret_cast<uint64_t*>(&ctx);
  if (ucontext != nullptr) {
    const greg_t* g = static_cast<const ucontext_t*>(ucontext)->uc_mcontext.gregs;
    r[kRax] = static_cast<uint64_t>(g[REG_RAX]);
    r[kRbx] = static_cast<uint64_t>(g[REG_RBX]);
    r[kRcx] = static_cast<uint64_t>(g[REG_RCX]);
    r[kRdx] = static_cast<uint64_t>(g[REG_RDX]);
    r[kRdi] = static_cast<uint64_t>(g[REG_RDI]);
    r[kRsi] = static_cast<uint64_t>(g[REG_RSI]);
    static constexpr int kHigh[] = {REG_R8,  REG_R9,  REG_R10, REG_R11,
                                    REG_R12, REG_R13, REG_R14, REG_R15};
    for (int i = 0; i < 8; ++i) r[kR8 + i] = static_cast<uint64_t>(g[kHigh[i]]);
  }
  // pc, sp and fp always come from `at`: the walker may have fenced fp.
  r[kRbp] = at.fp;
  r[kRsp] = at.sp;
  // LLVM libunwind (16) runs a frame's CFI program while the row's location
  // is strictly below the frame's pc (DwarfParser: codeOffset < pcoffset),
  // for the first frame as for every other: it unwinds every pc as a return
  // address. Right for a call site, one row early for an interrupted pc that
  // sits exactly where a row starts: after `push %rbp` it would take the
  // entry row (CFA rsp+8) and read the pushed rbp as the return address; on
  // the `ret` after `pop %rbp`, the body row (CFA rbp+16, with rbp already the
  // caller's) and skip the caller. So:
  //  - a return address is looked up at the call instruction (pc - 1): rows
  //    starting at or below pc - 2, i.e. at the call or before it;
  //  - an exact pc is handed over as pc + 1: rows starting at or below pc,
  //    the one in force at pc (at the FDE's last byte pc + 1 would be looked
  //    up in the next function's FDE: unwind_walk.cc hands libunwind no such
  //    pc, ExactPcStaysInFde).
  r[kRip] = pc_is_return ? at.pc - 1 : at.pc + 1;
  return unw_init_local(Cursor(cursor_), &ctx) == UNW_ESUCCESS;
}

int DwarfStepper::Step(FrameRegs* caller) {
  unw_cursor_t* c = Cursor(cursor_);
  int rc = unw_step(c);
  if (rc < 0) return -1;
  // 0 also comes back when the caller's pc has no unwind info libunwind can
  // find (code it does not know): the registers are the caller's then, and
  // the walker decides whether that is a frame or the end.
  unw_word_t pc = 0, sp = 0, fp = 0;
  if (unw_get_reg(c, UNW_REG_IP, &pc) != UNW_ESUCCESS ||
      unw_get_reg(c, UNW_REG_SP, &sp) != UNW_ESUCCESS ||
      unw_get_reg(c, UNW_X86_64_RBP, &fp) != UNW_ESUCCESS) {
    return -1;
  }
  *caller =
      FrameRegs{static_cast<uintptr_t>(pc), static_cast<uintptr_t>(sp), static_cast<uintptr_t>(fp)};
  return rc > 0 ? 1 : 0;
}

bool WarmUpDwarf(std::string* error) {
  // A full unwind of this thread touches every lazily set static on the
  // step path: the _dl_find_object lookup, the logging switches.
  unw_context_t ctx;
  unw_cursor_t cursor;
  if (unw_getcontext(&ctx) != UNW_ESUCCESS || unw_init_local(&cursor, &ctx) != UNW_ESUCCESS) {
    if (error) *error = "libunwind cannot start an unwind in this process";
    return false;
  }
  int frames = 0;
  for (; frames < 64 && unw_step(&cursor) > 0; ++frames) {
    unw_word_t v = 0;
    unw_get_reg(&cursor, UNW_X86_64_RBP, &v);
  }
  if (frames == 0) {
    if (error) *error = "libunwind found no unwind information for lcprof itself";
    return false;
  }
  return true;
}

}  // namespace lcprof

// libunwind falls back to dl_iterate_phdr when _dl_find_object does not know
// a pc (a garbage return address). That takes the loader's lock, which the
// interrupted thread may hold: inside a handler's walk the answer is "no
// module", and libunwind ends the walk there. Outside walks it is the real one.
// __real_ is weak so an image linked without the --wrap option (a copy of the
// core's sources built elsewhere) still links; there the guard is inactive
// and nothing calls __wrap_.
extern "C" __attribute__((weak)) int __real_dl_iterate_phdr(int (*cb)(dl_phdr_info*, size_t, void*),
                                                            void* data);
extern "C" int __wrap_dl_iterate_phdr(int (*cb)(dl_phdr_info*, size_t, void*), void* data) {
  if (lcprof::t_in_walk != 0 || __real_dl_iterate_phdr == nullptr) {
    lcprof::g_refused.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  return __real_dl_iterate_phdr(cb, data);
}
