// A C++ program linked against liblcprof through the gperftools-compatible
// API: `linked_cpp OUT`. Hot path: LinkedHotCpp <- LinkedCallerCpp <- main.
#include <lcprof/profiler.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace {
volatile uint64_t sink;
}

__attribute__((noinline)) void LinkedHotCpp(double seconds) {
  auto cpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  };
  double end = cpu() + seconds;
  uint64_t x = 7;
  while (cpu() < end) {
    for (int i = 0; i < 100000; ++i) x = (x >> 3) ^ (x * 0x9E3779B97F4A7C15ull);
  }
  sink = x;
}

__attribute__((noinline)) void LinkedCallerCpp(double seconds) {
  LinkedHotCpp(seconds);
  asm volatile("" ::: "memory");
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (!ProfilerStart(argv[1])) return 3;
  ProfilerState state;
  ProfilerGetCurrentState(&state);
  if (!state.enabled) return 4;
  LinkedCallerCpp(0.5);
  ProfilerStop();
  ProfilerGetCurrentState(&state);
  if (state.enabled) return 5;
  std::printf("linked_cpp: ok\n");
  return 0;
}
