// Cost of writing a profile at stop: BuildProfile (samples to the profile,
// every address named), EncodeProfile (the protobuf bytes) and
// WriteProfileFile (encoding, gzip, temp file and rename), on a synthetic
// table of N distinct stacks 8 to 40 frames deep, drawn from about 3,000
// code addresses in libc and this program. The Symbolizer is warm (ELF
// tables loaded), as only the writer is measured. Figures and the command:
// docs/pprof-output.md.
//   build/bin/pprof_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "libcall/libcall_id.h"
#include "profiler/output/pprof_encode.h"
#include "profiler/output/pprof_writer.h"
#include "profiler/base/proc_maps.h"

namespace lcprof {
namespace {

// Code addresses in named functions and between them (names like
// libc.so.6+0x...), so that locations, functions and strings are all many.
std::vector<uintptr_t> CodeAddresses() {
  static const char* const kNames[] = {"malloc",
                                       "free",
                                       "memcpy",
                                       "memset",
                                       "strlen",
                                       "strcmp",
                                       "printf",
                                       "fprintf",
                                       "snprintf",
                                       "qsort",
                                       "bsearch",
                                       "read",
                                       "write",
                                       "open",
                                       "close",
                                       "fopen",
                                       "fclose",
                                       "fread",
                                       "fwrite",
                                       "getenv",
                                       "setenv",
                                       "strtol",
                                       "strtod",
                                       "atoi",
                                       "time",
                                       "localtime",
                                       "strftime",
                                       "mmap",
                                       "munmap",
                                       "pthread_create",
                                       "pthread_join",
                                       "pthread_mutex_lock",
                                       "pthread_mutex_unlock",
                                       "clock_gettime",
                                       "nanosleep",
                                       "poll",
                                       "epoll_wait",
                                       "socket",
                                       "connect",
                                       "send",
                                       "recv",
                                       "sigaction",
                                       "raise",
                                       "abort",
                                       "exit",
                                       "realloc",
                                       "calloc",
                                       "strdup",
                                       "strchr",
                                       "strstr",
                                       "memmove",
                                       "memcmp",
                                       "sprintf",
                                       "sscanf",
                                       "fgets",
                                       "fputs",
                                       "puts",
                                       "getpid",
                                       "kill"};
  std::vector<uintptr_t> out;
  for (const char* name : kNames) {
    auto base = reinterpret_cast<uintptr_t>(dlsym(RTLD_DEFAULT, name));
    if (base == 0) continue;
    for (uintptr_t off = 1; off <= 50 * 37; off += 37) out.push_back(base + off);
  }
  auto self = reinterpret_cast<uintptr_t>(&CodeAddresses);
  for (uintptr_t off = 1; off < 400; off += 3) out.push_back(self + off);
  return out;
}

// `stacks` distinct stacks, counted 1 to 3 times, some under a libcall mark.
std::unique_ptr<StackTable> MakeTable(int stacks) {
  std::vector<uintptr_t> pool = CodeAddresses();
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
  std::uniform_int_distribution<uint32_t> depth(8, 40);
  auto table = std::make_unique<StackTable>(static_cast<size_t>(stacks) * 2);
  const auto tid = static_cast<int32_t>(gettid());
  for (int i = 0; i < stacks; ++i) {
    Sample s{};
    s.tid = tid;
    s.cpu_nanos = 10000000;
    s.depth = depth(rng);
    for (uint32_t d = 0; d < s.depth; ++d) s.frames[d] = pool[pick(rng)];
    if (i % 10 == 0) s.mark[s.marks++] = {1, static_cast<uintptr_t>(libcall::LibcallId::k_read)};
    for (int n = 0; n <= i % 3; ++n) table->Add(s);
  }
  return table;
}

const std::unordered_map<int32_t, std::string>& ThreadNames() {
  static const std::unordered_map<int32_t, std::string> names = {
      {static_cast<int32_t>(gettid()), "pprof_bench"}};
  return names;
}

ProfileMeta Meta() {
  ProfileMeta meta;
  meta.period_nanos = 10000000;
  meta.duration_nanos = 1000000000;
  meta.comments = {"lcprof: bench"};
  return meta;
}

void BM_BuildProfile(benchmark::State& state) {
  std::unique_ptr<StackTable> table = MakeTable(static_cast<int>(state.range(0)));
  Symbolizer sym(ReadProcMaps());
  ProfileMeta meta = Meta();
  (void)BuildProfile(*table, ThreadNames(), meta, sym);  // loads the ELF tables
  for (auto _ : state) {
    auto profile = BuildProfile(*table, ThreadNames(), meta, sym);
    benchmark::DoNotOptimize(profile);
  }
}

void BM_EncodeProfile(benchmark::State& state) {
  std::unique_ptr<StackTable> table = MakeTable(static_cast<int>(state.range(0)));
  Symbolizer sym(ReadProcMaps());
  auto profile = BuildProfile(*table, ThreadNames(), Meta(), sym);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string encoded = pprof::EncodeProfile(profile);
    bytes = encoded.size();
    benchmark::DoNotOptimize(encoded);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}

void BM_WriteProfileFile(benchmark::State& state) {
  std::unique_ptr<StackTable> table = MakeTable(static_cast<int>(state.range(0)));
  Symbolizer sym(ReadProcMaps());
  auto profile = BuildProfile(*table, ThreadNames(), Meta(), sym);
  char dir[] = "/tmp/lcprof-bench-XXXXXX";
  if (mkdtemp(dir) == nullptr) {
    state.SkipWithError("mkdtemp");
    return;
  }
  const std::string path = std::string(dir) + "/p.pb.gz";
  std::string error;
  for (auto _ : state) {
    if (!WriteProfileFile(profile, path, &error)) state.SkipWithError(error.c_str());
  }
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) state.counters["file_bytes"] = static_cast<double>(st.st_size);
  unlink(path.c_str());
  rmdir(dir);
}

BENCHMARK(BM_BuildProfile)->Arg(1000)->Arg(20000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EncodeProfile)->Arg(1000)->Arg(20000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WriteProfileFile)->Arg(1000)->Arg(20000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lcprof

BENCHMARK_MAIN();
