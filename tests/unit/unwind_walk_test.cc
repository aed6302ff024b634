// The fp, dwarf and hybrid walks on real stacks of this process: a signal
// landing in a frameless leaf (what GCC 12 makes of every leaf function, even
// with -mno-omit-leaf-frame-pointer), walks from a ucontext and from a
// libcall-style record, and the signal-safety guarantees: no malloc and no
// dl_iterate_phdr (the loader's lock) reached from a walk.
#include "profiler/unwinding/unwind_walk.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <ucontext.h>

#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "profiler/unwinding/cfi_reader.h"
#include "profiler/unwinding/code_modules.h"
#include "profiler/unwinding/sample.h"
#include "profiler/unwinding/unload_guard.h"
#include "profiler/unwinding/unwind_dwarf.h"
#include "profiler/unwinding/unwinder.h"

// Interposed allocator and loader iteration: count calls made while a walk
// runs on this thread (t_counting). dl_iterate_phdr here is also what
// libunwind's --wrap fallback forwards to when it lets a call through.
namespace {
__attribute__((tls_model("initial-exec"))) thread_local bool t_counting;
std::atomic<int> g_mallocs{0};
std::atomic<int> g_phdr_walks{0};
}  // namespace

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void __libc_free(void*);
void* malloc(size_t n) {
  if (t_counting) g_mallocs.fetch_add(1);
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t m) {
  if (t_counting) g_mallocs.fetch_add(1);
  return __libc_calloc(n, m);
}
void* realloc(void* p, size_t n) {
  if (t_counting) g_mallocs.fetch_add(1);
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
int dl_iterate_phdr(int (*cb)(dl_phdr_info*, size_t, void*), void* data) {
  using Fn = int (*)(int (*)(dl_phdr_info*, size_t, void*), void*);
  static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "dl_iterate_phdr"));
  if (t_counting) g_phdr_walks.fetch_add(1);
  return real(cb, data);
}
}

namespace lcprof {
namespace {

// A frameless leaf (checked below through the code map) and two callers that
// keep frames. `g_spinning` tells the sender the leaf is running.
std::atomic<bool> g_stop{false};
std::atomic<bool> g_spinning{false};

__attribute__((noinline, optimize("omit-frame-pointer"))) void SpinLeaf() {
  while (!g_stop.load(std::memory_order_relaxed)) {
  }
}
__attribute__((noinline)) void SpinCaller() {
  g_spinning.store(true);
  SpinLeaf();
  asm volatile("" ::: "memory");
}
__attribute__((noinline)) void SpinRoot() {
  SpinCaller();
  asm volatile("" ::: "memory");
}

// The function (FDE) holding `p`, from the module map and its CFI.
struct Function {
  uintptr_t start = 0;
  uintptr_t body = 0;  // where rbp becomes the frame base (0: never)
};
Function FunctionAt(const void* p) {
  PrepareCodeModules();
  auto a = reinterpret_cast<uintptr_t>(p);
  CodeModule m;
  Function f;
  if (!FindCodeModule(a, &m)) return f;
  f.start = ReadFrameRule(m, a).fde_start;
  for (uintptr_t b = f.start; f.start != 0 && b < f.start + 32; ++b) {
    if (FindCodeModule(b, &m) && ReadFrameRule(m, b).rule.cfa_is_fp) {
      f.body = b;  // the first address whose CFA is rbp-based
      break;
    }
  }
  return f;
}
FrameRule RuleAt(uintptr_t a) {
  CodeModule m;
  return FindCodeModule(a, &m) ? ReadFrameRule(m, a).rule : FrameRule{};
}
bool ReturnsInto(uintptr_t ret, const void* fn) {
  const Function f = FunctionAt(fn);
  return f.start != 0 && FunctionAt(reinterpret_cast<void*>(ret - 1)).start == f.start;
}

// What the handler saw, for the last sample in SpinLeaf.
constexpr int kOut = 64;
uintptr_t g_frames[kOut];
std::atomic<int> g_count{-1};
std::atomic<int> g_samples{0};

void OnSignal(int, siginfo_t*, void* uc) {
  const auto* g = static_cast<const ucontext_t*>(uc)->uc_mcontext.gregs;
  UnwindStart start{static_cast<uintptr_t>(g[REG_RIP]), static_cast<uintptr_t>(g[REG_RSP]),
                    static_cast<uintptr_t>(g[REG_RBP]), uc};
  static const uintptr_t leaf = FunctionAt(reinterpret_cast<void*>(&SpinLeaf)).start;
  if (leaf == 0 || FunctionAt(reinterpret_cast<void*>(start.pc)).start != leaf) {
    g_samples.fetch_add(1);
    return;
  }
  t_counting = true;
  int n = UnwindCallers(start, ThisThreadStack(), g_frames, kOut);
  t_counting = false;
  g_count.store(n);
  g_samples.fetch_add(1);
}

void* SpinThread(void*) {
  InitThisThreadStack();
  SpinRoot();
  return nullptr;
}

// Runs SpinLeaf on a thread, interrupts it, returns the callers walked.
std::vector<uintptr_t> WalkFromFramelessLeaf(UnwindMode mode) {
  std::string error;
  EXPECT_TRUE(ConfigureUnwinder(mode, 128, &error)) << error;
  struct sigaction sa {};
  sa.sa_sigaction = OnSignal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGUSR2, &sa, nullptr);
  g_stop = false;
  g_spinning = false;
  g_count = -1;
  pthread_t t;
  pthread_create(&t, nullptr, SpinThread, nullptr);
  while (!g_spinning.load()) {
  }
  for (int i = 0; i < 200 && g_count.load() < 0; ++i) {
    int before = g_samples.load();
    pthread_kill(t, SIGUSR2);
    while (g_samples.load() == before) {
    }
  }
  g_stop = true;
  pthread_join(t, nullptr);
  int n = g_count.load();
  EXPECT_GT(n, 0);
  return std::vector<uintptr_t>(g_frames, g_frames + std::max(n, 0));
}

TEST(UnwindWalkTest, CfiRowsOfOwnAndLibcCode) {
  const Function leaf = FunctionAt(reinterpret_cast<void*>(&SpinLeaf));
  const Function caller = FunctionAt(reinterpret_cast<void*>(&SpinCaller));
  ASSERT_EQ(caller.start, reinterpret_cast<uintptr_t>(&SpinCaller));
  ASSERT_EQ(leaf.start, reinterpret_cast<uintptr_t>(&SpinLeaf));
  EXPECT_EQ(leaf.body, 0u) << "the test needs a frameless leaf";
  ASSERT_NE(caller.body, 0u);
  // At entry: CFA = rsp + 8; in the body: CFA = rbp + 16, rbp saved at CFA - 16.
  FrameRule entry = RuleAt(caller.start);
  EXPECT_EQ(entry.kind, FrameRule::kCfa);
  EXPECT_FALSE(entry.cfa_is_fp);
  EXPECT_EQ(entry.cfa_offset, 8);
  FrameRule body = RuleAt(caller.body);
  EXPECT_EQ(body.kind, FrameRule::kCfa);
  EXPECT_TRUE(body.cfa_is_fp);
  EXPECT_EQ(body.cfa_offset, 16);
  EXPECT_EQ(body.fp_rule, FrameRule::kFpAtCfa);
  EXPECT_EQ(body.fp_offset, -16);
  // libc keeps no frame pointers, but every function has CFI.
  EXPECT_EQ(RuleAt(reinterpret_cast<uintptr_t>(&qsort)).kind, FrameRule::kCfa);
  EXPECT_TRUE(InWrappedCallCode(reinterpret_cast<uintptr_t>(&qsort)));
  EXPECT_FALSE(InWrappedCallCode(reinterpret_cast<uintptr_t>(&SpinLeaf)));
}

TEST(UnwindWalkTest, FramePointersSkipTheCallerOfAFramelessLeaf) {
  std::vector<uintptr_t> f = WalkFromFramelessLeaf(UnwindMode::kFramePointer);
  ASSERT_GE(f.size(), 1u);
  // The known defect hybrid exists for: rbp still holds SpinCaller's frame.
  EXPECT_TRUE(ReturnsInto(f[0], reinterpret_cast<void*>(&SpinRoot)));
}

TEST(UnwindWalkTest, DwarfAndHybridKeepTheCallerOfAFramelessLeaf) {
  for (UnwindMode mode : {UnwindMode::kDwarf, UnwindMode::kHybrid}) {
    g_mallocs = 0;
    g_phdr_walks = 0;
    uint64_t refused = DwarfGuardCountsForTest().refused;
    std::vector<uintptr_t> f = WalkFromFramelessLeaf(mode);
    ASSERT_GE(f.size(), 3u) << UnwindModeName(mode);
    EXPECT_TRUE(ReturnsInto(f[0], reinterpret_cast<void*>(&SpinCaller))) << UnwindModeName(mode);
    EXPECT_TRUE(ReturnsInto(f[1], reinterpret_cast<void*>(&SpinRoot))) << UnwindModeName(mode);
    EXPECT_TRUE(ReturnsInto(f[2], reinterpret_cast<void*>(&SpinThread))) << UnwindModeName(mode);
    // The walk reached the thread's root in libc (start_thread, clone3)
    // without a pseudo-frame: the chain ended where its CFI says it ends.
    EXPECT_FALSE(IsPseudoFrame(f.back())) << f.back();
    // Signal safety: no allocation, no loader lock, not even refused.
    EXPECT_EQ(g_mallocs.load(), 0) << UnwindModeName(mode);
    EXPECT_EQ(g_phdr_walks.load(), 0) << UnwindModeName(mode);
    EXPECT_EQ(DwarfGuardCountsForTest().refused, refused) << UnwindModeName(mode);
  }
}

// A walk that starts in a libcall-style record (return address, sp, fp) of
// a frame-pointer function, from real frames.
std::vector<uintptr_t> g_record_walk;
__attribute__((noinline)) void RecordLeaf(UnwindMode mode) {
  auto fp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  // This frame's own record: its return address, and the caller's sp just
  // above it (as the libcall scope computes them).
  UnwindStart start{reinterpret_cast<uintptr_t>(__builtin_return_address(0)), fp + 16,
                    *reinterpret_cast<uintptr_t*>(fp), nullptr};
  (void)mode;
  uintptr_t out[32];
  int n = UnwindCallers(start, ThisThreadStack(), out, 32);
  g_record_walk.assign(out, out + n);
  asm volatile("" ::: "memory");
}
__attribute__((noinline)) void RecordMiddle(UnwindMode mode) {
  RecordLeaf(mode);
  asm volatile("" ::: "memory");
}
__attribute__((noinline)) void RecordOuter(UnwindMode mode) {
  RecordMiddle(mode);
  asm volatile("" ::: "memory");
}

TEST(UnwindWalkTest, WalksFromARecordInEveryMode) {
  InitThisThreadStack();
  for (UnwindMode mode : {UnwindMode::kFramePointer, UnwindMode::kDwarf, UnwindMode::kHybrid}) {
    std::string error;
    ASSERT_TRUE(ConfigureUnwinder(mode, 128, &error)) << error;
    RecordOuter(mode);
    // start.pc (in RecordMiddle) is the record's own frame: its callers follow.
    ASSERT_GE(g_record_walk.size(), 2u) << UnwindModeName(mode);
    EXPECT_TRUE(ReturnsInto(g_record_walk[0], reinterpret_cast<void*>(&RecordOuter)))
        << UnwindModeName(mode);
  }
}

// Ten frames of our own (frame pointers, CFI), walked with room for four.
int g_truncated_n = 0;
uintptr_t g_truncated_out[4];
__attribute__((noinline)) void Recurse(int depth) {
  if (depth > 0) {
    Recurse(depth - 1);
  } else {
    auto fp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    UnwindStart start{reinterpret_cast<uintptr_t>(__builtin_return_address(0)), fp + 16,
                      *reinterpret_cast<uintptr_t*>(fp), nullptr};
    g_truncated_n = UnwindCallers(start, ThisThreadStack(), g_truncated_out, 4);
  }
  asm volatile("" ::: "memory");
}

TEST(UnwindWalkTest, DepthLimitEndsInTruncated) {
  InitThisThreadStack();
  std::string error;
  for (UnwindMode mode : {UnwindMode::kFramePointer, UnwindMode::kDwarf, UnwindMode::kHybrid}) {
    ASSERT_TRUE(ConfigureUnwinder(mode, 128, &error)) << error;
    Recurse(10);
    ASSERT_EQ(g_truncated_n, 4) << UnwindModeName(mode);
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(ReturnsInto(g_truncated_out[i], reinterpret_cast<void*>(&Recurse)))
          << UnwindModeName(mode);
    }
    EXPECT_EQ(g_truncated_out[3], kFrameTruncated) << UnwindModeName(mode);
  }
}

// A DWARF step whose caller is a wild address: libunwind looks it up, misses
// _dl_find_object and falls back to dl_iterate_phdr, which the wrap refuses
// inside a walk. The real one is never reached and nothing crashes.
TEST(UnwindWalkTest, WildReturnAddressNeverReachesTheLoaderLock) {
  std::string error;
  ASSERT_TRUE(ConfigureUnwinder(UnwindMode::kDwarf, 128, &error)) << error;
  alignas(16) static uintptr_t stack[1024];
  StackBounds bounds{reinterpret_cast<uintptr_t>(&stack[0]),
                     reinterpret_cast<uintptr_t>(&stack[1024])};
  const Function leaf = FunctionAt(reinterpret_cast<void*>(&SpinLeaf));
  ASSERT_NE(leaf.start, 0u);
  for (auto& w : stack) w = 0;
  stack[512] = 0x7ead0000beef;  // SpinLeaf's return address (CFA = sp + 8)
  // A "return address" inside it (its row: the entry's, CFA = rsp + 8).
  UnwindStart start{leaf.start + 2, reinterpret_cast<uintptr_t>(&stack[512]), 0, nullptr};
  uint64_t refused = DwarfGuardCountsForTest().refused;
  g_phdr_walks = 0;
  uintptr_t out[8];
  t_counting = true;
  int n = UnwindCallers(start, bounds, out, 8);
  t_counting = false;
  // The wild address, in no module, could be JIT code; nothing leads on
  // from it, so the walk ends broken there.
  ASSERT_GE(n, 1);
  EXPECT_EQ(out[n - 1], kFrameBrokenChain);
  EXPECT_GT(DwarfGuardCountsForTest().refused, refused);
  EXPECT_EQ(g_phdr_walks.load(), 0);
}

// Replays a sample interrupted at an instruction boundary where the CFA rule
// changes: right after SpinCaller's `push %rbp` (CFA rsp+16, before the `mov`
// makes rbp the frame base) and on its `ret` (CFA rsp+8, rbp already the
// caller's). The row in force at the exact pc must be used: the row before it
// reads the pushed rbp (a stack address) as the return address, or the
// caller's frame record and skips the caller.
struct BoundaryCase {
  const char* what;
  uintptr_t pc;
  int sp_slot;  // stack index of sp; the return address sits at sp_slot + ret_off
  int ret_off;
};

TEST(UnwindWalkTest, InterruptedOnACfaBoundaryKeepsTheCaller) {
  const Function caller = FunctionAt(reinterpret_cast<void*>(&SpinCaller));
  const Function root = FunctionAt(reinterpret_cast<void*>(&SpinRoot));
  ASSERT_NE(caller.body, 0u);
  ASSERT_NE(root.body, 0u);
  uintptr_t push = caller.start;
  if (*reinterpret_cast<const uint8_t*>(push) == 0xf3) push += 4;  // endbr64
  ASSERT_EQ(*reinterpret_cast<const uint8_t*>(push), 0x55);
  uintptr_t ret = 0;
  for (uintptr_t a = caller.body; a < caller.body + 256; ++a) {
    const auto* b = reinterpret_cast<const uint8_t*>(a);
    if ((b[0] == 0x5d || b[0] == 0xc9) && b[1] == 0xc3) {
      ret = a + 1;
      break;
    }
  }
  ASSERT_NE(ret, 0u) << "SpinCaller should end in pop %rbp/leave; ret";
  // A call site in SpinRoot (fp-trusted) as the return address.
  const uintptr_t into_root = root.body + 1;
  const BoundaryCase cases[] = {
      {"after push %rbp", push + 1, 600, 1},
      {"on ret", ret, 601, 0},
      {"at entry", caller.start, 601, 0},
  };
  for (UnwindMode mode : {UnwindMode::kDwarf, UnwindMode::kHybrid}) {
    std::string error;
    ASSERT_TRUE(ConfigureUnwinder(mode, 128, &error)) << error;
    for (const BoundaryCase& c : cases) {
      alignas(16) static uintptr_t stack[1024];
      for (auto& w : stack) w = 0;
      const StackBounds bounds{reinterpret_cast<uintptr_t>(&stack[0]),
                               reinterpret_cast<uintptr_t>(&stack[1024])};
      const auto caller_fp = reinterpret_cast<uintptr_t>(&stack[700]);  // SpinRoot's frame
      stack[600] = caller_fp;  // the pushed rbp (only read in the push case)
      stack[c.sp_slot + c.ret_off] = into_root;
      stack[700] = 0;  // SpinRoot's frame record: the root
      stack[701] = 0;
      ucontext_t uc;
      std::memset(&uc, 0, sizeof uc);
      uc.uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(c.pc);
      uc.uc_mcontext.gregs[REG_RSP] =
          static_cast<greg_t>(reinterpret_cast<uintptr_t>(&stack[c.sp_slot]));
      uc.uc_mcontext.gregs[REG_RBP] = static_cast<greg_t>(caller_fp);
      UnwindStart start{c.pc, reinterpret_cast<uintptr_t>(&stack[c.sp_slot]), caller_fp, &uc};
      uintptr_t out[8] = {};
      int n = UnwindCallers(start, bounds, out, 8);
      ASSERT_GE(n, 1) << UnwindModeName(mode) << " " << c.what;
      EXPECT_EQ(out[0], into_root)
          << UnwindModeName(mode) << " " << c.what << " got 0x" << std::hex << out[0];
    }
  }
}

// A frame record whose "return address" is a stack address (what a frame
// pointer one slot off yields): never shown as a caller, the walk ends broken.
TEST(UnwindWalkTest, AReturnAddressOutsideCodeEndsTheWalk) {
  const Function root = FunctionAt(reinterpret_cast<void*>(&SpinRoot));
  ASSERT_NE(root.body, 0u);
  for (UnwindMode mode : {UnwindMode::kDwarf, UnwindMode::kHybrid}) {
    std::string error;
    ASSERT_TRUE(ConfigureUnwinder(mode, 128, &error)) << error;
    alignas(16) uintptr_t stack[1024];  // on this thread's stack: in no module
    for (auto& w : stack) w = 0;
    const StackBounds bounds{reinterpret_cast<uintptr_t>(&stack[0]),
                             reinterpret_cast<uintptr_t>(&stack[1024])};
    stack[700] = reinterpret_cast<uintptr_t>(&stack[800]);
    stack[701] = reinterpret_cast<uintptr_t>(&stack[900]);  // a stack address
    // A record in SpinRoot's body (CFA = rbp + 16) whose fp is stack[700].
    UnwindStart start{root.body + 1, reinterpret_cast<uintptr_t>(&stack[600]),
                      reinterpret_cast<uintptr_t>(&stack[700]), nullptr};
    uintptr_t out[8] = {};
    int n = UnwindCallers(start, bounds, out, 8);
    // hybrid: the row's step reads the stack address and refuses it; dwarf:
    // libunwind finds no unwind info there and ends the walk itself.
    if (mode == UnwindMode::kHybrid) {
      ASSERT_EQ(n, 1);
      EXPECT_EQ(out[0], kFrameBrokenChain);
    }
    for (int i = 0; i < n; ++i) {
      EXPECT_TRUE(out[i] < bounds.lo || out[i] >= bounds.hi) << UnwindModeName(mode) << " " << i;
    }
  }
}

// While a dlclose is under way (here: this thread between BeginModuleUnload
// and EndModuleUnload), walks read no module memory: frame pointers only.
TEST(UnwindWalkTest, WalksDuringAnUnloadUseFramePointersOnly) {
  InitThisThreadStack();
  std::string error;
  ASSERT_TRUE(ConfigureUnwinder(UnwindMode::kHybrid, 128, &error)) << error;
  const uint64_t before = ReadUnwindCounters().unload_fp_walks;
  const uint64_t reads = ReadUnwindCounters().cfi_reads;
  BeginModuleUnload();
  RecordOuter(UnwindMode::kHybrid);
  EndModuleUnload();
  EXPECT_EQ(ReadUnwindCounters().unload_fp_walks, before + 1);
  EXPECT_EQ(ReadUnwindCounters().cfi_reads, reads);
  ASSERT_GE(g_record_walk.size(), 1u);
  EXPECT_TRUE(ReturnsInto(g_record_walk[0], reinterpret_cast<void*>(&RecordOuter)));
}

}  // namespace
}  // namespace lcprof
