// What a libcall wrapper adds to a call: each wrapped call measured through
// the lcprof_* API against the same libc function, both called through a
// pointer (as a PLT call, or -fno-plt code, reaches a function: one
// indirect call either way). Run:
//   build/bin/libcall_bench --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
// and, for the path of a call LCPROF_LIBCALLS does not select (the wrapper
// then only forwards: the selection is applied by the library's
// constructor when LCPROF_OUT is set):
//   LCPROF_OUT=/tmp/bench.pb.gz LCPROF_LIBCALLS=none build/bin/libcall_bench ...
// BM_MutexAddedPerCall gives the figure the wrapper is judged by (below).
// Figures and the machine they came from: docs/libcall.md, docs/benchmarks.md.
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <lcprof/libcall.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

namespace {

template <typename Fn>
Fn LibcFunction(const char* name) {
  static void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  return reinterpret_cast<Fn>(dlsym(libc, name));
}

// The wrapper through a pointer the compiler cannot see through, as the
// libc function is reached above.
// Which path the wrapped runs took: LCPROF_LIBCALLS as the library applied it.
void Label(benchmark::State& state) {
  const char* sel = getenv("LCPROF_LIBCALLS");
  state.SetLabel(sel != nullptr && getenv("LCPROF_OUT") != nullptr
                     ? std::string("LCPROF_LIBCALLS=") + sel
                     : "all selected");
}

// (An empty asm on the register: benchmark::DoNotOptimize's "+m,r" operand
// let GCC 12 drop the pointer's spill slot in BM_MutexAddedPerCall.)
template <typename Fn>
Fn Opaque(Fn fn) {
  asm volatile("" : "+r"(fn));
  return fn;
}

void BM_GetpidDirect(benchmark::State& state) {
  auto fn = LibcFunction<pid_t (*)()>("getpid");
  for (auto _ : state) benchmark::DoNotOptimize(fn());
}
BENCHMARK(BM_GetpidDirect);

void BM_GetpidWrapped(benchmark::State& state) {
  Label(state);
  auto fn = Opaque(&lcprof_getpid);
  for (auto _ : state) benchmark::DoNotOptimize(fn());
}
BENCHMARK(BM_GetpidWrapped);

// The floor of any wrapper that regains control after the call (as the
// contract's rule 3 requires, to clear the record): one more call level,
// with no record at all: `sub $8,%rsp; call *real; add $8,%rsp; ret`.
extern "C" {
void* bench_real_lock;
void* bench_real_unlock;
int bench_call_level_lock(pthread_mutex_t* m);
int bench_call_level_unlock(pthread_mutex_t* m);
}
asm(".text\n"
    ".p2align 4\n"
    "bench_call_level_lock:\n"
    "  .cfi_startproc\n"
    "  sub $8, %rsp\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  call *bench_real_lock(%rip)\n"
    "  add $8, %rsp\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  ret\n"
    "  .cfi_endproc\n"
    ".p2align 4\n"
    "bench_call_level_unlock:\n"
    "  .cfi_startproc\n"
    "  sub $8, %rsp\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  call *bench_real_unlock(%rip)\n"
    "  add $8, %rsp\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  ret\n"
    "  .cfi_endproc\n");

// The figure the wrapper is judged by, measured so that this VM's drifting
// CPU speed (it moves by 10% within a minute) cannot bias it: blocks of
// lock+unlock pairs through libc directly, through the wrapper and through
// the bare call level alternate, and each block is compared with the direct
// blocks on either side of it. Reported (as counters, in ns per call, the
// median over blocks): what the wrapper adds, and what one call level adds
// by itself, the floor of any wrapper that regains control after the call.
// With LCPROF_OUT and LCPROF_LIBCALLS=none set, "wrapped" is the path of a
// call that is not selected.
using MutexFn = int (*)(pthread_mutex_t*);

double NanosPerPair(MutexFn lock, MutexFn unlock, int pairs) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < pairs; ++i) {
    lock(&m);
    unlock(&m);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / pairs;
}

double Median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

void BM_MutexAddedPerCall(benchmark::State& state) {
  Label(state);
  const auto direct_lock = Opaque(LibcFunction<MutexFn>("pthread_mutex_lock"));
  const auto direct_unlock = Opaque(LibcFunction<MutexFn>("pthread_mutex_unlock"));
  bench_real_lock = reinterpret_cast<void*>(direct_lock);
  bench_real_unlock = reinterpret_cast<void*>(direct_unlock);
  const auto wrapped_lock = Opaque(&lcprof_pthread_mutex_lock);
  const auto wrapped_unlock = Opaque(&lcprof_pthread_mutex_unlock);
  const auto level_lock = Opaque(&bench_call_level_lock);
  const auto level_unlock = Opaque(&bench_call_level_unlock);
  constexpr int kPairs = 50000;
  std::vector<double> wrapped_added, level_added;
  double before = NanosPerPair(direct_lock, direct_unlock, kPairs);
  for (auto _ : state) {
    const double wrapped = NanosPerPair(wrapped_lock, wrapped_unlock, kPairs);
    const double middle = NanosPerPair(direct_lock, direct_unlock, kPairs);
    const double level = NanosPerPair(level_lock, level_unlock, kPairs);
    const double after = NanosPerPair(direct_lock, direct_unlock, kPairs);
    wrapped_added.push_back((wrapped - std::min(before, middle)) / 2);
    level_added.push_back((level - std::min(middle, after)) / 2);
    before = after;
  }
  state.counters["wrapper_adds_ns"] = Median(wrapped_added);
  state.counters["call_level_adds_ns"] = Median(level_added);
}
BENCHMARK(BM_MutexAddedPerCall)->Iterations(400);

void BM_ErrnoLocationDirect(benchmark::State& state) {
  auto fn = LibcFunction<int* (*)()>("__errno_location");
  for (auto _ : state) benchmark::DoNotOptimize(fn());
}
BENCHMARK(BM_ErrnoLocationDirect);

void BM_ErrnoLocationWrapped(benchmark::State& state) {
  Label(state);
  auto fn = Opaque(&lcprof_errno_location);
  for (auto _ : state) benchmark::DoNotOptimize(fn());
}
BENCHMARK(BM_ErrnoLocationWrapped);

void BM_ClockGettimeDirect(benchmark::State& state) {
  auto fn = LibcFunction<int (*)(clockid_t, timespec*)>("clock_gettime");
  timespec ts;
  for (auto _ : state) benchmark::DoNotOptimize(fn(CLOCK_MONOTONIC, &ts));
}
BENCHMARK(BM_ClockGettimeDirect);

void BM_ClockGettimeWrapped(benchmark::State& state) {
  Label(state);
  auto fn = Opaque(&lcprof_clock_gettime);
  timespec ts;
  for (auto _ : state) benchmark::DoNotOptimize(fn(CLOCK_MONOTONIC, &ts));
}
BENCHMARK(BM_ClockGettimeWrapped);

}  // namespace

BENCHMARK_MAIN();
