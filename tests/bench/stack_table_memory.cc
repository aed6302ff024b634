// What the sample storage costs in resident memory: a SampleStorage with the
// default LCPROF_STACKS, filled with more and more distinct stacks of 30
// frames, RSS read from /proc/self/statm. Figures in docs/usage.md, "Memory".
// Usage: stack_table_memory [MAX_STACKS]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "profiler/base/options.h"
#include "profiler/sampling/sample_storage.h"

namespace {

long ResidentBytes() {
  long pages = 0, resident = 0;
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr || fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  if (f != nullptr) fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

}  // namespace

int main(int argc, char** argv) {
  using lcprof::Sample;
  const long max_stacks = argc > 1 ? atol(argv[1]) : lcprof::kDefaultStacks;
  printf("distinct stacks of 30 frames in a SampleStorage; RSS from /proc/self/statm\n");
  ResidentBytes();  // the reader's own first allocation, before the baseline
  const long before = ResidentBytes();
  lcprof::SampleStorage storage(static_cast<size_t>(max_stacks));
  if (!storage.ok()) return 1;
  printf("LCPROF_STACKS=%ld: %.1f MiB reserved, +%.2f MiB resident after set-up\n", max_stacks,
         static_cast<double>(storage.reserved_bytes()) / (1 << 20),
         static_cast<double>(ResidentBytes() - before) / (1 << 20));
  static Sample s{};
  s.tid = getpid();
  s.cpu_nanos = 1;
  s.depth = 30;
  long added = 0;
  for (long target = 100; target <= max_stacks; target *= 10) {
    for (; added < target; ++added) {
      for (uint32_t i = 0; i < s.depth; ++i) s.frames[i] = 0x400000 + 64 * added + i;
      storage.stacks.Add(s);
    }
    printf("%7ld stacks of 30 frames: +%6.2f MiB resident, %lu lost\n", target,
           static_cast<double>(ResidentBytes() - before) / (1 << 20),
           static_cast<unsigned long>(storage.stacks.lost_samples()));
  }
  storage.Reset();
  printf("after Reset: +%.2f MiB resident\n",
         static_cast<double>(ResidentBytes() - before) / (1 << 20));
  return 0;
}
