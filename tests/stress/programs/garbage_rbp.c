// Stress: garbage in rbp and on the stack. Two assembly loops overwrite rbp
// with junk while they spin: null, odd, non-canonical and kernel addresses,
// the address of itself, and pointers into a stack array whose words point
// back into the array (cycles), downwards, or far above the stack.
//  - junk_rbp_spin has honest CFI (its frame is found from rsp), so only a
//    frame-pointer walk meets the junk;
//  - junk_cfa_spin claims CFA = rbp + 16 and then breaks rbp, as broken
//    hand-written assembly does, so a DWARF walk meets it too.
// A profiler that trusts any of these words crashes or hangs the program.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// junk_*_spin(rounds, junk): for each round, rbp = junk[round % 16], then
// 64 decrements of a counter. rbp is restored before returning.
__asm__(
    ".text\n"
    ".globl junk_rbp_spin\n"
    ".type junk_rbp_spin, @function\n"
    "junk_rbp_spin:\n"
    ".cfi_startproc\n"
    "  pushq %rbp\n"
    ".cfi_def_cfa_offset 16\n"
    ".cfi_offset %rbp, -16\n"
    "  xorl %eax, %eax\n"
    "1:\n"
    "  movq %rax, %r8\n"
    "  andq $15, %r8\n"
    "  movq (%rsi,%r8,8), %rbp\n"
    "  movl $64, %r9d\n"
    "2:\n"
    "  decl %r9d\n"
    "  jnz 2b\n"
    "  incq %rax\n"
    "  cmpq %rdi, %rax\n"
    "  jb 1b\n"
    "  popq %rbp\n"
    ".cfi_def_cfa_offset 8\n"
    "  ret\n"
    ".cfi_endproc\n"
    ".size junk_rbp_spin, .-junk_rbp_spin\n"
    ".globl junk_cfa_spin\n"
    ".type junk_cfa_spin, @function\n"
    "junk_cfa_spin:\n"
    ".cfi_startproc\n"
    "  pushq %rbp\n"
    ".cfi_def_cfa_offset 16\n"
    ".cfi_offset %rbp, -16\n"
    "  movq %rsp, %rbp\n"
    ".cfi_def_cfa_register %rbp\n"
    "  pushq %rbx\n"
    "  movq %rsp, %rbx\n"
    "  xorl %eax, %eax\n"
    "3:\n"
    "  movq %rax, %r8\n"
    "  andq $15, %r8\n"
    "  movq (%rsi,%r8,8), %rbp\n"
    "  movl $64, %r9d\n"
    "4:\n"
    "  decl %r9d\n"
    "  jnz 4b\n"
    "  incq %rax\n"
    "  cmpq %rdi, %rax\n"
    "  jb 3b\n"
    "  leaq 8(%rbx), %rbp\n"
    "  movq (%rbx), %rbx\n"
    "  movq %rbp, %rsp\n"
    "  popq %rbp\n"
    ".cfi_def_cfa %rsp, 8\n"
    "  ret\n"
    ".cfi_endproc\n"
    ".size junk_cfa_spin, .-junk_cfa_spin\n");

void junk_rbp_spin(uint64_t rounds, const uint64_t* junk);
void junk_cfa_spin(uint64_t rounds, const uint64_t* junk);

// Fills a stack array with junk frames and runs both loops over it.
__attribute__((noinline)) static void garbage_frames(uint64_t rounds) {
  volatile uint64_t stack_junk[64];
  for (int i = 0; i < 64; i++) stack_junk[i] = 0xdeadbeefcafe0000ULL + (uint64_t)i;
  stack_junk[0] = (uint64_t)(uintptr_t)&stack_junk[0];  // a frame that is its own caller
  stack_junk[1] = (uint64_t)(uintptr_t)&stack_junk[3];  // 1 -> 3 -> 1: a cycle
  stack_junk[3] = (uint64_t)(uintptr_t)&stack_junk[1];
  stack_junk[5] = (uint64_t)(uintptr_t)&stack_junk[4];                  // a caller below its callee
  stack_junk[8] = (uint64_t)(uintptr_t)&stack_junk[0] + 3;              // misaligned
  stack_junk[10] = (uint64_t)(uintptr_t)&stack_junk[0] + (1ULL << 40);  // far above the stack
  const uint64_t junk[16] = {
      0,
      1,
      0xffffffffffffffffULL,
      0x8000000000000000ULL,  // non-canonical
      0xffff800000001000ULL,  // kernel half
      0x0000000000001000ULL,  // the unmapped first pages
      (uint64_t)(uintptr_t)&stack_junk[0],
      (uint64_t)(uintptr_t)&stack_junk[1],
      (uint64_t)(uintptr_t)&stack_junk[5],
      (uint64_t)(uintptr_t)&stack_junk[8],
      (uint64_t)(uintptr_t)&stack_junk[10],
      (uint64_t)(uintptr_t)&stack_junk[63],
      (uint64_t)(uintptr_t)&stack_junk[63] + 4096 * 16,  // beyond the array, maybe above the stack
      (uint64_t)(uintptr_t)junk_rbp_spin,                // code, not stack
      (uint64_t)(uintptr_t)&junk,                        // a live word of this frame
      0x7ffffffff000ULL,                                 // the top of user space
  };
  junk_rbp_spin(rounds, junk);
  junk_cfa_spin(rounds, junk);
  // The array must be live across the calls.
  uint64_t sum = 0;
  for (int i = 0; i < 64; i++) sum += stack_junk[i];
  if (sum == 0) abort();
}

int main(int argc, char** argv) {
  const uint64_t rounds = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000;
  garbage_frames(rounds);
  printf("survived %llu rounds of junk rbp in each loop\n", (unsigned long long)rounds);
  return 0;
}
