/* A tiny JIT: `jit_code SECONDS MAP KEEP`, for tests/e2e/names_test.cc.
 * It emits two functions into anonymous memory (written RW, then made RX),
 * the way runtimes do, and runs them for SECONDS of CPU:
 *
 *   main -> run_jit -> jit_outer -> jit_loop (spins, then calls back)
 *                                     -> jit_callback (program code)
 *
 * Both generated functions keep frame pointers, so stacks through them are
 * walkable. MAP: `map` writes /tmp/perf-<pid>.map naming them (as
 * node --perf-basic-prof does), `badmap` the same among malformed lines,
 * `nomap` none. KEEP: `keep` leaves the code mapped, `free` unmaps it before
 * exit (as node does at teardown). Prints "pid N" on stdout; the map file is
 * left for the caller to remove (the profile is written after main returns). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

typedef void (*callback_fn)(void);
typedef void (*jit_fn)(callback_fn callback, uint64_t iterations);

static volatile uint64_t sink;

static double process_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* jit_loop(callback, iterations) at offset 0: a frame-pointer prologue, then
 * `iterations` times a 64 Ki-step spin followed by a call to `callback`. */
static const unsigned char kJitLoop[] = {
    0x55,                         /*  0: push %rbp                           */
    0x48, 0x89, 0xe5,             /*  1: mov  %rsp,%rbp                      */
    0x53,                         /*  4: push %rbx                           */
    0x41, 0x54,                   /*  5: push %r12   (rsp 16-aligned again)  */
    0x48, 0x89, 0xfb,             /*  7: mov  %rdi,%rbx   callback           */
    0x49, 0x89, 0xf4,             /* 10: mov  %rsi,%r12   iterations         */
    0xb9, 0x00, 0x00, 0x01, 0x00, /* 13: mov  $0x10000,%ecx   <- outer loop  */
    0xff, 0xc9,                   /* 18: dec  %ecx            <- spin        */
    0x75, 0xfc,                   /* 20: jne  18                             */
    0xff, 0xd3,                   /* 22: call *%rbx                          */
    0x49, 0xff, 0xcc,             /* 24: dec  %r12                           */
    0x75, 0xf0,                   /* 27: jne  13                             */
    0x41, 0x5c,                   /* 29: pop  %r12                           */
    0x5b,                         /* 31: pop  %rbx                           */
    0x5d,                         /* 32: pop  %rbp                           */
    0xc3,                         /* 33: ret                                 */
};
enum { kLoopOffset = 0, kOuterOffset = 64 };

/* jit_outer(callback, iterations) at offset 64: calls jit_loop with the same
 * arguments (a rel32 call inside the buffer: position-independent). */
static const unsigned char kJitOuter[] = {
    0x55,                         /* 64: push %rbp                           */
    0x48, 0x89, 0xe5,             /* 65: mov  %rsp,%rbp                      */
    0xe8, 0xb7, 0xff, 0xff, 0xff, /* 68: call 0  (0 - 73 = -0x49)            */
    0x5d,                         /* 73: pop  %rbp                           */
    0xc3,                         /* 74: ret                                 */
};

NOINLINE void callback_tick(uint64_t x) { sink = x; }

/* Not a leaf (it calls callback_tick), so GCC gives it a frame pointer and
 * its caller, jit_loop, shows in the stack. */
NOINLINE void jit_callback(void) {
  uint64_t x = sink + 88172645463325252ull;
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  callback_tick(x);
  __asm__ volatile("" ::: "memory"); /* no tail call: keep this frame */
}

NOINLINE void run_jit(jit_fn outer, double seconds) {
  double end = process_cpu() + seconds;
  while (process_cpu() < end) outer(jit_callback, 200);
  __asm__ volatile("" ::: "memory");
}

static void write_map(const unsigned char* code, int with_bad_lines) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
  FILE* f = fopen(path, "w");
  if (f == NULL) {
    perror(path);
    exit(2);
  }
  if (with_bad_lines) {
    fprintf(f, "not a map line\n\nzz 10 bad_hex\n%lx 0 zero_size\n%lx 10\n",
            (unsigned long)(uintptr_t)code, (unsigned long)(uintptr_t)code);
    fprintf(f, "ffffffffffffffff 10 wraps\n1%016lx 10 too_many_digits\n",
            (unsigned long)(uintptr_t)code);
  }
  /* An entry for code replaced later: the newer line below must win. */
  fprintf(f, "%lx %x stale_code\n", (unsigned long)(uintptr_t)code, 128);
  fprintf(f, "%lx %zx jit_loop\n", (unsigned long)(uintptr_t)(code + kLoopOffset), sizeof kJitLoop);
  fprintf(f, "0x%lX 0x%zX jit_outer\r\n", (unsigned long)(uintptr_t)(code + kOuterOffset),
          sizeof kJitOuter);
  fclose(f);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: jit_code SECONDS map|badmap|nomap keep|free\n");
    return 2;
  }
  double seconds = atof(argv[1]);
  const size_t size = 4096;
  unsigned char* code =
      mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) {
    perror("mmap");
    return 2;
  }
  memset(code, 0xcc, size); /* int3 between the functions */
  memcpy(code + kLoopOffset, kJitLoop, sizeof kJitLoop);
  memcpy(code + kOuterOffset, kJitOuter, sizeof kJitOuter);
  if (mprotect(code, size, PROT_READ | PROT_EXEC) != 0) {
    perror("mprotect");
    return 2;
  }
  if (strcmp(argv[2], "nomap") != 0) write_map(code, strcmp(argv[2], "badmap") == 0);
  printf("pid %d\n", (int)getpid());
  fflush(stdout);

  jit_fn outer;
  void* entry = code + kOuterOffset;
  memcpy(&outer, &entry, sizeof outer); /* object to function pointer, without a cast warning */
  run_jit(outer, seconds);

  if (strcmp(argv[3], "free") == 0) munmap(code, size);
  return 0;
}
