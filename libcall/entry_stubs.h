// Entry stubs: the whole common path of every forwarding wrapper
// (wrappers_linux.cc), in assembly, so that a selected call costs one call
// level and one taken branch more than the call itself, and an unselected
// one a load, a test and a jump (docs/benchmarks.md, "What a wrapped call
// adds"):
//
//   mov  lcprof_libcall_bypass + 8 * index(%rip), %r11   (libcall_id.h)
//   test %r11, %r11
//   jz   1f
//   jmp  *%r11                  not selected: the word is the real function
//   1: mov lcprof_libcall_state@GOTTPOFF(%rip), %r10     (record.h)
//   signal depth, records[0].sp, the real function       -> 2f unless 0, 0, set
//   claim records[0], write g, pc, fp, fn, then sp       (writer rule 2)
//   push %rbp; mov %rsp, %rbp; call *real
//   clear records[0].sp; pop %rbp; ret                   (writer rule 3)
//   2: jmp <body>               the cold body, ColdForward (forwarder.h)
//
// The unselected path falls through to its jump, so the selected path takes
// the one branch: every taken branch costs about 0.25 ns on the machine the
// figures come from, and the unselected path's budget is the smaller one.
// The cold body handles what the stub does not: the real function not
// resolved yet, a record in force at depth 0 (a nested call, or a stale one
// to take over), a program signal handler running (signal depth > 0).
//
// What makes the stub valid for a call: every argument travels in a
// register (at most six integer or pointer parameters), so the real
// function sees the program's arguments as they were made; the stack
// arguments of a wider call would be out of place after the stub's push.
// ForwardableByStub checks this at compile time. The stub's scratch
// registers are %r10 and %r11, which no argument uses; %rax (a variadic
// call's vector count) is left alone.
//
// Where these sit matters to the frame-pointer walker: the stubs lie in
// their own section, and a pc inside one has its caller's return address
// at sp until the stub's frame is built (rbp == sp from then on), which
// InEntryStub and the walker's prologue rules use (unwind_fp.cc). The stubs
// carry CFI for the DWARF walkers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "libcall/libcall_id.h"
#include "libcall/next_symbols.h"
#include "libcall/record.h"

namespace lcprof::libcall {

// True when pc lies in one of the stubs. Signal-safe (two addresses
// compared; the linker provides the section's bounds).
bool InEntryStub(uintptr_t pc);

template <typename Param>
inline constexpr bool kInIntegerRegister =
    std::is_integral_v<Param> || std::is_pointer_v<Param> || std::is_enum_v<Param>;

template <typename Fn>
inline constexpr bool ForwardableByStub = false;
template <typename Ret, typename... Params>
inline constexpr bool ForwardableByStub<Ret (*)(Params...)> = sizeof...(Params) <= 6 &&
                                                              (kInIntegerRegister<Params> && ...);

// Offsets the stubs write at, from the thread's TLS block.
inline constexpr size_t kStubRecordOffset = offsetof(ThreadState, records);  // records[0]
inline constexpr size_t kStubDepthOffset = offsetof(ThreadState, depth);
inline constexpr size_t kStubCurrentGOffset = offsetof(ThreadState, current_g);

}  // namespace lcprof::libcall

// Emits the stub named `symbol` (exported, default visibility) for the call
// whose bypass word is at `bypass_index`, whose real function is
// NextSymbols::`slot`, and which records `id`; `body` is the cold path (an
// extern "C" hidden function of the call's signature). Expands to one asm
// statement inside a function body: GCC 12 has no operands for file-scope
// asm, and the constants are printed with %c. The enclosing function is
// never called; the stub lives in its own section whatever function emits it.
#define LCPROF_ENTRY_STUB_ASM(symbol, bypass_index, slot, id, body)                               \
  static_assert(                                                                                  \
      ::lcprof::libcall::ForwardableByStub<decltype(::lcprof::libcall::NextSymbols::slot)>,       \
      #symbol ": not every argument is in a register");                                           \
  asm volatile(                                                                                   \
      ".pushsection lcprof_entry_stubs,\"ax\",@progbits\n"                                        \
      ".globl " #symbol                                                                           \
      "\n"                                                                                        \
      ".type " #symbol                                                                            \
      ",@function\n"                                                                              \
      ".p2align 4\n" #symbol                                                                      \
      ":\n"                                                                                       \
      ".cfi_startproc\n"                                                                          \
      "mov lcprof_libcall_bypass+%c0(%%rip), %%r11\n"                                             \
      "test %%r11, %%r11\n"                                                                       \
      "jz 1f\n"                                                                                   \
      "jmp *%%r11\n"                                                                              \
      "1: mov lcprof_libcall_state@GOTTPOFF(%%rip), %%r10\n"                                      \
      "cmpl $0, %%fs:%c9(%%r10)\n"                                                                \
      "jne 2f\n"                                                                                  \
      "cmpq $0, %%fs:%c3+%c8(%%r10)\n"                                                            \
      "jne 2f\n"                                                                                  \
      "cmpq $0, lcprof_next_symbols+%c1(%%rip)\n"                                                 \
      "je 2f\n"                                                                                   \
      "movq $1, %%fs:%c3+%c8(%%r10)\n"                                                            \
      "mov %%fs:%c10(%%r10), %%r11\n"                                                             \
      "mov %%r11, %%fs:%c3+%c4(%%r10)\n"                                                          \
      "mov (%%rsp), %%r11\n"                                                                      \
      "mov %%r11, %%fs:%c3+%c5(%%r10)\n"                                                          \
      "mov %%rbp, %%fs:%c3+%c6(%%r10)\n"                                                          \
      "movq $%c2, %%fs:%c3+%c7(%%r10)\n"                                                          \
      "lea 8(%%rsp), %%r11\n"                                                                     \
      "mov %%r11, %%fs:%c3+%c8(%%r10)\n"                                                          \
      "push %%rbp\n"                                                                              \
      ".cfi_adjust_cfa_offset 8\n"                                                                \
      ".cfi_offset %%rbp, -16\n"                                                                  \
      "mov %%rsp, %%rbp\n"                                                                        \
      ".cfi_def_cfa_register %%rbp\n"                                                             \
      "call *lcprof_next_symbols+%c1(%%rip)\n"                                                    \
      "mov lcprof_libcall_state@GOTTPOFF(%%rip), %%r10\n"                                         \
      "movq $0, %%fs:%c3+%c8(%%r10)\n"                                                            \
      "pop %%rbp\n"                                                                               \
      ".cfi_def_cfa %%rsp, 8\n"                                                                   \
      ".cfi_restore %%rbp\n"                                                                      \
      "ret\n"                                                                                     \
      "2: jmp " #body                                                                             \
      "\n"                                                                                        \
      ".cfi_endproc\n"                                                                            \
      ".size " #symbol ", .-" #symbol                                                             \
      "\n"                                                                                        \
      ".popsection\n" ::"i"((bypass_index) * sizeof(uintptr_t)),                                  \
      "i"(offsetof(::lcprof::libcall::NextSymbols, slot)), "i"(static_cast<uintptr_t>(id)),       \
      "i"(::lcprof::libcall::kStubRecordOffset), "i"(offsetof(::lcprof::libcall::Record, g)),     \
      "i"(offsetof(::lcprof::libcall::Record, pc)), "i"(offsetof(::lcprof::libcall::Record, fp)), \
      "i"(offsetof(::lcprof::libcall::Record, fn)), "i"(offsetof(::lcprof::libcall::Record, sp)), \
      "i"(::lcprof::libcall::kStubDepthOffset), "i"(::lcprof::libcall::kStubCurrentGOffset))
