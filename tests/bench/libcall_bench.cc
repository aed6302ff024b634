// What a libcall wrapper adds to a call: each wrapped call measured through
// the lcprof_* API against the same libc function called through a pointer
// (as a PLT call reaches it). Run:
//   build/bin/libcall_bench --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
// Figures and the machine they came from: docs/libcall.md.
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <lcprof/libcall.h>
#include <pthread.h>
#include <unistd.h>

namespace {

template <typename Fn>
Fn LibcFunction(const char* name) {
  static void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  return reinterpret_cast<Fn>(dlsym(libc, name));
}

void BM_GetpidDirect(benchmark::State& state) {
  auto fn = LibcFunction<pid_t (*)()>("getpid");
  for (auto _ : state) benchmark::DoNotOptimize(fn());
}
BENCHMARK(BM_GetpidDirect);

void BM_GetpidWrapped(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(lcprof_getpid());
}
BENCHMARK(BM_GetpidWrapped);

void BM_MutexLockUnlockDirect(benchmark::State& state) {
  auto lock = LibcFunction<int (*)(pthread_mutex_t*)>("pthread_mutex_lock");
  auto unlock = LibcFunction<int (*)(pthread_mutex_t*)>("pthread_mutex_unlock");
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  for (auto _ : state) {
    lock(&m);
    unlock(&m);
  }
}
BENCHMARK(BM_MutexLockUnlockDirect);

void BM_MutexLockUnlockWrapped(benchmark::State& state) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  for (auto _ : state) {
    lcprof_pthread_mutex_lock(&m);
    lcprof_pthread_mutex_unlock(&m);
  }
}
BENCHMARK(BM_MutexLockUnlockWrapped);

void BM_ErrnoLocationDirect(benchmark::State& state) {
  auto fn = LibcFunction<int* (*)()>("__errno_location");
  for (auto _ : state) benchmark::DoNotOptimize(fn());
}
BENCHMARK(BM_ErrnoLocationDirect);

void BM_ErrnoLocationWrapped(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(lcprof_errno_location());
}
BENCHMARK(BM_ErrnoLocationWrapped);

void BM_ClockGettimeDirect(benchmark::State& state) {
  auto fn = LibcFunction<int (*)(clockid_t, timespec*)>("clock_gettime");
  timespec ts;
  for (auto _ : state) benchmark::DoNotOptimize(fn(CLOCK_MONOTONIC, &ts));
}
BENCHMARK(BM_ClockGettimeDirect);

void BM_ClockGettimeWrapped(benchmark::State& state) {
  timespec ts;
  for (auto _ : state) benchmark::DoNotOptimize(lcprof_clock_gettime(CLOCK_MONOTONIC, &ts));
}
BENCHMARK(BM_ClockGettimeWrapped);

}  // namespace

BENCHMARK_MAIN();
