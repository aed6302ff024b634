// Entry stubs: the first instructions of every forwarding wrapper
// (wrappers_linux.cc), written in assembly so that a call LCPROF_LIBCALLS
// does not select costs one load, a test and two jumps on its way to the
// real function, with no frame, no register saved and no TLS access:
//
//   mov  lcprof_libcall_bypass + 8 * index(%rip), %r11   (libcall_id.h)
//   test %r11, %r11
//   jz   <recording body>     0: the call records; the body is C++
//   jmp  *%r11                otherwise the word is the real function
//
// The stub leaves every argument register (and %al, a variadic call's
// vector count) and the stack as the caller made them, so the body and the
// real function both see the original call: the body's return address is
// the program's call site. %r11 is free at any function entry (the ABI's
// scratch register, used by no argument).
//
// Where these sit matters to the frame-pointer walker: a sample whose pc is
// inside a stub has its caller's return address at the interrupted sp (the
// stub pushes nothing), which InEntryStub lets the walker know. The stubs
// carry CFI (CFA = sp + 8 at every instruction) for the DWARF walker.
#pragma once

#include <cstdint>

namespace lcprof::libcall {

// True when pc lies in one of the stubs. Signal-safe (two addresses
// compared; the linker provides the section's bounds).
bool InEntryStub(uintptr_t pc);

}  // namespace lcprof::libcall

// Emits a stub named `symbol` (exported, default visibility) testing the
// bypass word at `bypass_index` and jumping to `body` (an extern "C" hidden
// function of the same signature). Expands to one basic-asm statement inside
// a function body: GCC 12 has no operands for file-scope asm, and the index
// is a constant expression, printed with %c. The enclosing function is never
// called; the stub lives in its own section whatever function emits it.
#define LCPROF_ENTRY_STUB_ASM(symbol, bypass_index, body)  \
  asm volatile(                                            \
      ".pushsection lcprof_entry_stubs,\"ax\",@progbits\n" \
      ".globl " #symbol                                    \
      "\n"                                                 \
      ".type " #symbol                                     \
      ",@function\n"                                       \
      ".p2align 4\n" #symbol                               \
      ":\n"                                                \
      ".cfi_startproc\n"                                   \
      "mov lcprof_libcall_bypass+%c0(%%rip), %%r11\n"      \
      "test %%r11, %%r11\n"                                \
      "jz " #body                                          \
      "\n"                                                 \
      "jmp *%%r11\n"                                       \
      ".cfi_endproc\n"                                     \
      ".size " #symbol ", .-" #symbol                      \
      "\n"                                                 \
      ".popsection\n" ::"i"((bypass_index) * sizeof(uintptr_t)))
