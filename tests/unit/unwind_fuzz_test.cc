// Crash-proofing of every walker: hostile stacks inside a region fenced by
// PROT_NONE pages on both sides, so any read outside the stack bounds kills
// the test. Frames hold garbage, code addresses (real call sites included),
// addresses in and out of the stack; rbp and pc are garbage or wild; sp sits
// anywhere, including right at the bottom as in a stack overflow.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "profiler/unwinding/sample.h"
#include "profiler/unwinding/unwinder.h"

namespace lcprof {
namespace {

constexpr size_t kPage = 4096;
constexpr size_t kStackPages = 16;

struct GuardedStack {
  uint8_t* base = nullptr;
  GuardedStack() {
    base = static_cast<uint8_t*>(
        mmap(nullptr, (kStackPages + 2) * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    mprotect(base + kPage, kStackPages * kPage, PROT_READ | PROT_WRITE);
  }
  ~GuardedStack() { munmap(base, (kStackPages + 2) * kPage); }
  StackBounds Bounds() const {
    auto lo = reinterpret_cast<uintptr_t>(base + kPage);
    return {lo, lo + kStackPages * kPage};
  }
};

// Code addresses to scatter: function starts, points inside functions and
// just after call instructions of this binary and libc.
std::vector<uintptr_t> CodeSamples(std::mt19937_64& rng) {
  std::vector<uintptr_t> out;
  const uintptr_t fns[] = {
      reinterpret_cast<uintptr_t>(&qsort), reinterpret_cast<uintptr_t>(&memcpy),
      reinterpret_cast<uintptr_t>(&strlen), reinterpret_cast<uintptr_t>(&CodeSamples),
      reinterpret_cast<uintptr_t>(&UnwindCallers)};
  for (uintptr_t f : fns) {
    for (int i = 0; i < 64; ++i) out.push_back(f + rng() % 512);
  }
  return out;
}

void Fuzz(UnwindMode mode, int iterations, uint64_t seed) {
  std::string error;
  ASSERT_TRUE(ConfigureUnwinder(mode, 128, &error)) << error;
  GuardedStack g;
  const StackBounds b = g.Bounds();
  std::mt19937_64 rng(seed);
  const std::vector<uintptr_t> code = CodeSamples(rng);
  auto* words = reinterpret_cast<uintptr_t*>(b.lo);
  const size_t nwords = (b.hi - b.lo) / sizeof(uintptr_t);
  auto any_word = [&]() -> uintptr_t {
    switch (rng() % 6) {
      case 0:
        return code[rng() % code.size()];
      case 1:
        return b.lo + (rng() % (b.hi - b.lo));  // in the stack
      case 2:
        return b.lo + (rng() % nwords) * 8;  // aligned, in
      case 3:
        return b.hi + (rng() % 65536);  // just above
      case 4:
        return b.lo - (rng() % 65536);  // just below
      default:
        return rng();
    }
  };
  ucontext_t uc;
  uintptr_t out[kMaxFrames];
  for (int it = 0; it < iterations; ++it) {
    if (it % 64 == 0) {
      for (size_t i = 0; i < nwords; ++i) words[i] = any_word();
    }
    UnwindStart s;
    s.pc = rng() % 4 == 0 ? rng() : code[rng() % code.size()];
    // sp anywhere in the stack, a third of the time within 64 bytes of its
    // bottom (an overflowing stack) or of its top.
    switch (rng() % 3) {
      case 0:
        s.sp = b.lo + (rng() % 8) * 8;
        break;
      case 1:
        s.sp = b.hi - 8 - (rng() % 8) * 8;
        break;
      default:
        s.sp = b.lo + (rng() % nwords) * 8;
        break;
    }
    s.fp = any_word();
    if (rng() % 2 == 0) {
      std::memset(&uc, 0, sizeof uc);
      for (greg_t& r : uc.uc_mcontext.gregs) r = static_cast<greg_t>(any_word());
      uc.uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(s.pc);
      uc.uc_mcontext.gregs[REG_RSP] = static_cast<greg_t>(s.sp);
      uc.uc_mcontext.gregs[REG_RBP] = static_cast<greg_t>(s.fp);
      s.ucontext = &uc;
    }
    int max = 1 + static_cast<int>(rng() % 128);
    int n = UnwindCallers(s, b, out, max);
    ASSERT_GE(n, 0);
    ASSERT_LE(n, max);
  }
}

TEST(UnwindFuzzTest, FramePointersSurviveHostileStacks) {
  Fuzz(UnwindMode::kFramePointer, 20000, 1);
}
TEST(UnwindFuzzTest, DwarfSurvivesHostileStacks) { Fuzz(UnwindMode::kDwarf, 20000, 2); }
TEST(UnwindFuzzTest, HybridSurvivesHostileStacks) { Fuzz(UnwindMode::kHybrid, 20000, 3); }

}  // namespace
}  // namespace lcprof
