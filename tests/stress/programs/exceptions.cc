// Stress: C++ exceptions thrown and caught in 4 threads at once, through a
// few frames each, for about a second of CPU. The unwinder the profiler
// uses and the one libstdc++ uses run at the same time on the same stacks.
#include <pthread.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "spin.h"

namespace {

struct Thrown : std::runtime_error {
  explicit Thrown(int d) : std::runtime_error("stress"), depth(d) {}
  int depth;
};

__attribute__((noinline)) int throw_at_depth(int depth) {
  if (depth == 0) {
    StressSpin(200, 3);
    throw Thrown(depth);
  }
  int r = throw_at_depth(depth - 1);
  return r + 1;  // not a tail call: every level keeps a frame to unwind
}

__attribute__((noinline)) void* thrower(void* arg) {
  const long rounds = reinterpret_cast<intptr_t>(arg);
  uint64_t caught = 0;
  for (long i = 0; i < rounds; i++) {
    try {
      throw_at_depth(static_cast<int>(i % 8));
    } catch (const Thrown& t) {
      caught += 1 + static_cast<uint64_t>(t.depth);
    }
  }
  return reinterpret_cast<void*>(caught);
}

}  // namespace

int main(int argc, char** argv) {
  const long rounds = argc > 1 ? atol(argv[1]) : 200000;
  pthread_t threads[4];
  for (auto& t : threads) pthread_create(&t, nullptr, thrower, reinterpret_cast<void*>(rounds));
  uint64_t caught = 0;
  for (auto& t : threads) {
    void* r;
    pthread_join(t, &r);
    caught += reinterpret_cast<uintptr_t>(r);
  }
  std::printf("exceptions caught: %llu\n", static_cast<unsigned long long>(caught));
  return caught == 4 * static_cast<uint64_t>(rounds) ? 0 : 1;
}
