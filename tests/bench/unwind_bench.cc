// Time of one UnwindCallers call from a signal-style start (a ucontext taken
// in the leaf), per mode, at stack depths 8, 32 and 128. The stack is a
// parked thread's: D-2 frames of this program's code (built with frame
// pointers) above libc's start_thread and clone3 (no frame pointers), as a
// sampled worker thread looks. Figures and the command: docs/unwinding.md.
//   build/bin/unwind_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <ucontext.h>

#include <atomic>
#include <string>

#include "profiler/unwinding/sample.h"
#include "profiler/unwinding/unwinder.h"

namespace lcprof {
namespace {

// A thread parked at the bottom of `depth` frames, its context published.
struct Parked {
  int depth = 0;
  ucontext_t uc;
  StackBounds stack;
  std::atomic<bool> ready{false}, release{false};
};

__attribute__((noinline)) void Park(Parked* p) {
  p->stack = ThisThreadStack();
  getcontext(&p->uc);
  if (!p->ready.load()) {
    p->ready.store(true);
    while (!p->release.load()) {
    }
  }
  asm volatile("" ::: "memory");
}

__attribute__((noinline)) void Descend(Parked* p, int depth) {
  if (depth <= 1) {
    Park(p);
  } else {
    Descend(p, depth - 1);
  }
  asm volatile("" ::: "memory");
}

void* ParkedMain(void* arg) {
  auto* p = static_cast<Parked*>(arg);
  InitThisThreadStack();
  Descend(p, p->depth - 3);  // + ParkedMain, start_thread, clone3
  return nullptr;
}

void BM_Unwind(benchmark::State& state, UnwindMode mode) {
  std::string error;
  if (!ConfigureUnwinder(mode, 128, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  Parked p;
  p.depth = static_cast<int>(state.range(0));
  pthread_t t;
  pthread_create(&t, nullptr, ParkedMain, &p);
  while (!p.ready.load()) {
  }
  const greg_t* g = p.uc.uc_mcontext.gregs;
  UnwindStart start{static_cast<uintptr_t>(g[REG_RIP]), static_cast<uintptr_t>(g[REG_RSP]),
                    static_cast<uintptr_t>(g[REG_RBP]), &p.uc};
  uintptr_t out[kMaxFrames];
  int n = 0;
  for (auto _ : state) {
    n = UnwindCallers(start, p.stack, out, 128);
    benchmark::DoNotOptimize(out);
  }
  state.counters["frames"] = n + 1;  // the leaf, which the handler pushes itself
  p.release.store(true);
  pthread_join(t, nullptr);
}

BENCHMARK_CAPTURE(BM_Unwind, fp, UnwindMode::kFramePointer)->Arg(8)->Arg(32)->Arg(128);
BENCHMARK_CAPTURE(BM_Unwind, hybrid, UnwindMode::kHybrid)->Arg(8)->Arg(32)->Arg(128);
BENCHMARK_CAPTURE(BM_Unwind, dwarf, UnwindMode::kDwarf)->Arg(8)->Arg(32)->Arg(128);

}  // namespace
}  // namespace lcprof

BENCHMARK_MAIN();
