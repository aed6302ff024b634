// The pprof writer on a hand-made StackTable of this test's own functions:
// names, exact leaf and call-site addresses, mappings, pseudo-frames, lost
// samples, thread labels, the libcall frame, and an atomic gzipped file that
// reads back. Profiles are judged as libprotobuf decodes them from the
// encoded bytes.
#include "profiler/output/pprof_writer.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <google/protobuf/io/gzip_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "libcall/libcall_id.h"
#include "profiler/output/pprof_encode.h"
#include "profiler/base/proc_maps.h"
#include "proto/profile.pb.h"

extern "C" __attribute__((noinline)) int writer_test_leaf(int x) { return x * 3 + 1; }
extern "C" __attribute__((noinline)) int writer_test_caller(int x) {
  return writer_test_leaf(x) + 2;
}
namespace writer_test {
__attribute__((noinline)) int Mangled(int x) { return x * 5 + 3; }
}  // namespace writer_test

namespace lcprof {
namespace {

namespace pb = perftools::profiles;

uintptr_t Addr(int (*fn)(int), uintptr_t off) { return reinterpret_cast<uintptr_t>(fn) + off; }

std::string FunctionOf(const pb::Profile& p, uint64_t location_id) {
  for (const auto& l : p.location()) {
    if (l.id() != location_id) continue;
    for (const auto& f : p.function()) {
      if (f.id() == l.line(0).function_id()) return p.string_table(static_cast<int>(f.name()));
    }
  }
  return "?";
}

const pb::Location* LocationById(const pb::Profile& p, uint64_t id) {
  for (const auto& l : p.location()) {
    if (l.id() == id) return &l;
  }
  return nullptr;
}

// A sample; a nonzero `fn` marks the call it was taken in above the leaf.
Sample MakeSample(std::initializer_list<uintptr_t> frames, uintptr_t fn = 0) {
  Sample s{};
  s.tid = 77;
  s.cpu_nanos = 10000000;
  if (fn != 0) s.mark[s.marks++] = {1, fn};
  for (uintptr_t f : frames) s.frames[s.depth++] = f;
  return s;
}

std::string SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return std::string(buf, static_cast<size_t>(n));
}

class PprofWriterTest : public ::testing::Test {
 protected:
  pb::Profile Build(const StackTable& t,
                    const std::unordered_map<int32_t, std::string>& thread_names = {}) {
    pb::Profile p;
    EXPECT_TRUE(p.ParseFromString(pprof::EncodeProfile(BuildModel(t, thread_names))));
    return p;
  }

  pprof::ProfileModel BuildModel(
      const StackTable& t, const std::unordered_map<int32_t, std::string>& thread_names = {}) {
    Symbolizer sym(ReadProcMaps());
    ProfileMeta meta;
    meta.period_nanos = 10000000;
    meta.main_executable = SelfExe();
    meta.start_time_nanos = 1;
    meta.duration_nanos = 2;
    meta.comments = {"lcprof: test"};
    return BuildProfile(t, thread_names, meta, sym);
  }
};

TEST_F(PprofWriterTest, NamesFramesAndUsesExactLeafAndCallSiteAddresses) {
  StackTable t(16);
  uintptr_t leaf_pc = Addr(writer_test_leaf, 1);
  uintptr_t ret = Addr(writer_test_caller, 9);  // as if a call ended at +8
  t.Add(MakeSample({leaf_pc, ret}));
  t.Add(MakeSample({leaf_pc, ret}));
  pb::Profile p = Build(t);
  ASSERT_EQ(p.sample_size(), 1);
  const pb::Sample& s = p.sample(0);
  ASSERT_EQ(s.location_id_size(), 2);
  EXPECT_EQ(s.value(0), 2);
  EXPECT_EQ(s.value(1), 20000000);
  EXPECT_EQ(FunctionOf(p, s.location_id(0)), "writer_test_leaf");
  EXPECT_EQ(FunctionOf(p, s.location_id(1)), "writer_test_caller");
  EXPECT_EQ(LocationById(p, s.location_id(0))->address(), leaf_pc);
  EXPECT_EQ(LocationById(p, s.location_id(1))->address(), ret - 1);
  EXPECT_NE(LocationById(p, s.location_id(0))->mapping_id(), 0u);
  // The program's own mapping comes first, with its build ID.
  ASSERT_GE(p.mapping_size(), 2);
  EXPECT_EQ(p.string_table(static_cast<int>(p.mapping(0).filename())), SelfExe());
  EXPECT_FALSE(p.string_table(static_cast<int>(p.mapping(0).build_id())).empty());
  EXPECT_EQ(p.string_table(static_cast<int>(p.sample_type(1).type())), "cpu");
  EXPECT_EQ(p.string_table(static_cast<int>(p.sample_type(1).unit())), "nanoseconds");
  EXPECT_EQ(p.period(), 10000000);
  EXPECT_EQ(p.string_table(0), "");
  ASSERT_GE(s.label_size(), 1);
  EXPECT_EQ(p.string_table(static_cast<int>(s.label(0).key())), "thread_id");
  EXPECT_EQ(s.label(0).num(), 77);
}

TEST_F(PprofWriterTest, LibcNamesComeFromTheDynamicSymbolTable) {
  StackTable t(16);
  auto read_addr = reinterpret_cast<uintptr_t>(dlsym(RTLD_NEXT, "read"));
  ASSERT_NE(read_addr, 0u);
  t.Add(MakeSample({read_addr + 4, Addr(writer_test_caller, 9)},
                   static_cast<uintptr_t>(libcall::LibcallId::k_read)));
  pb::Profile p = Build(t);
  ASSERT_EQ(p.sample_size(), 1);
  // `read` is named once: the leaf is already inside it.
  ASSERT_EQ(p.sample(0).location_id_size(), 2);
  EXPECT_EQ(FunctionOf(p, p.sample(0).location_id(0)), "read");
}

TEST_F(PprofWriterTest, LibcallFrameIsAddedWhenTheLeafIsAnotherFunction) {
  StackTable t(16);
  t.Add(MakeSample({Addr(writer_test_leaf, 1), Addr(writer_test_caller, 9)},
                   static_cast<uintptr_t>(libcall::LibcallId::k_write)));
  pb::Profile p = Build(t);
  ASSERT_EQ(p.sample(0).location_id_size(), 3);
  EXPECT_EQ(FunctionOf(p, p.sample(0).location_id(0)), "writer_test_leaf");
  EXPECT_EQ(FunctionOf(p, p.sample(0).location_id(1)), "write");
  EXPECT_EQ(FunctionOf(p, p.sample(0).location_id(2)), "writer_test_caller");
}

TEST_F(PprofWriterTest, PseudoFramesUnmappedAddressesAndLostSamplesAreVisible) {
  StackTable t(2);  // room for the two stacks below; the rest is lost
  t.Add(MakeSample({Addr(writer_test_leaf, 1), kFrameTruncated}));
  t.Add(MakeSample({0x10000, kFrameNoStackBounds}));
  for (int i = 0; i < 5; ++i) {
    Sample s = MakeSample({0x20000 + static_cast<uintptr_t>(i)});
    s.cpu_nanos = 3000000;
    t.Add(s);
  }
  pb::Profile p = Build(t);
  std::set<std::string> names;
  int64_t lost = 0, lost_cpu = 0;
  for (const auto& s : p.sample()) {
    for (uint64_t id : s.location_id()) names.insert(FunctionOf(p, id));
    if (FunctionOf(p, s.location_id(0)) == "[lost: stack table full]") {
      EXPECT_EQ(s.location_id_size(), 1);
      lost = s.value(0);
      lost_cpu = s.value(1);
    }
  }
  EXPECT_TRUE(names.count("[truncated: depth limit]"));
  EXPECT_TRUE(names.count("[unknown: thread stack bounds unknown]"));
  EXPECT_TRUE(names.count("[unmapped code]"));
  EXPECT_EQ(lost, 5);
  EXPECT_EQ(lost_cpu, 5 * 3000000);
}

TEST_F(PprofWriterTest, SamplesCarryTheThreadIdAndNameLabels) {
  StackTable t(8);
  t.Add(MakeSample({Addr(writer_test_leaf, 1)}));  // thread 77
  Sample other = MakeSample({Addr(writer_test_leaf, 1)});
  other.tid = 78;  // a thread whose name was never learned
  t.Add(other);
  pb::Profile p = Build(t, {{77, "worker-77"}});
  ASSERT_EQ(p.sample_size(), 2);
  std::map<int64_t, std::string> named;
  for (const auto& s : p.sample()) {
    int64_t tid = 0;
    std::string name;
    for (const auto& l : s.label()) {
      const std::string& key = p.string_table(static_cast<int>(l.key()));
      if (key == "thread_id") tid = l.num();
      if (key == "thread_name") name = p.string_table(static_cast<int>(l.str()));
    }
    named[tid] = name;
  }
  EXPECT_EQ(named, (std::map<int64_t, std::string>{{77, "worker-77"}, {78, ""}}));
}

TEST_F(PprofWriterTest, FunctionNameIsDemangledAndSystemNameIsAsLinked) {
  StackTable t(8);
  t.Add(MakeSample({Addr(writer_test::Mangled, 1)}));
  pb::Profile p = Build(t);
  ASSERT_EQ(p.sample_size(), 1);
  EXPECT_EQ(FunctionOf(p, p.sample(0).location_id(0)), "writer_test::Mangled(int)");
  const pb::Location* l = LocationById(p, p.sample(0).location_id(0));
  for (const auto& f : p.function()) {
    if (f.id() == l->line(0).function_id()) {
      EXPECT_EQ(p.string_table(static_cast<int>(f.system_name())), "_ZN11writer_test7MangledEi");
    }
  }
}

// Anonymous executable memory no perf map names (this test writes none) is
// one "[JIT code]" location per mapping, and consecutive frames in it are one.
TEST_F(PprofWriterTest, UnnamedJitCodeIsOneFramePerMapping) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* code = mmap(nullptr, page, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(code, MAP_FAILED);
  const auto jit = reinterpret_cast<uintptr_t>(code);
  StackTable t(8);
  t.Add(MakeSample({jit + 1, jit + 9, jit + 41, Addr(writer_test_caller, 9)}));
  t.Add(MakeSample({jit + 100, Addr(writer_test_caller, 9)}));
  t.Add(MakeSample({Addr(writer_test_leaf, 1), jit + 200, Addr(writer_test_caller, 9)}));
  pb::Profile p = Build(t);
  munmap(code, page);
  std::set<uint64_t> jit_locations;
  for (const auto& s : p.sample()) {
    std::vector<std::string> names;
    for (uint64_t id : s.location_id()) {
      names.push_back(FunctionOf(p, id));
      if (names.back() == "[JIT code]") jit_locations.insert(id);
    }
    EXPECT_EQ(std::count(names.begin(), names.end(), "[JIT code]"), 1);
    EXPECT_EQ(names.back(), "writer_test_caller");
  }
  ASSERT_EQ(jit_locations.size(), 1u);
  const pb::Location* l = LocationById(p, *jit_locations.begin());
  EXPECT_EQ(l->address(), jit);
  EXPECT_NE(l->mapping_id(), 0u);
  int jit_functions = 0;
  for (const auto& f : p.function()) {
    jit_functions += p.string_table(static_cast<int>(f.name())) == "[JIT code]";
  }
  EXPECT_EQ(jit_functions, 1);
}

TEST_F(PprofWriterTest, WritesAGzippedFileAtomicallyThatReadsBack) {
  StackTable t(16);
  t.Add(MakeSample({Addr(writer_test_leaf, 1)}));
  pprof::ProfileModel p = BuildModel(t);
  char dir[] = "/tmp/lcprof-writer-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/out.pb.gz";
  std::string error;
  ASSERT_TRUE(WriteProfileFile(p, path, &error)) << error;
  int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  unsigned char magic[2] = {};
  ASSERT_EQ(pread(fd, magic, 2, 0), 2);
  EXPECT_EQ(magic[0], 0x1f);
  EXPECT_EQ(magic[1], 0x8b);
  pb::Profile back;
  {
    google::protobuf::io::FileInputStream file(fd);
    google::protobuf::io::GzipInputStream gzip(&file);
    ASSERT_TRUE(back.ParseFromZeroCopyStream(&gzip));
  }
  close(fd);
  EXPECT_EQ(back.SerializeAsString(), pprof::EncodeProfile(p));
  // Only the final file is left: the temporary was renamed.
  std::string listing;
  FILE* ls = popen(("ls -A " + std::string(dir)).c_str(), "r");
  char line[256];
  while (fgets(line, sizeof line, ls)) listing += line;
  pclose(ls);
  EXPECT_EQ(listing, "out.pb.gz\n");
  unlink(path.c_str());
  rmdir(dir);
}

TEST_F(PprofWriterTest, UnwritableDirectoryIsReportedAtStart) {
  std::string error;
  EXPECT_FALSE(CheckOutputWritable("/nonexistent-dir/x.pb.gz", &error));
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
  EXPECT_TRUE(CheckOutputWritable("/tmp/lcprof-check.pb.gz", &error));
}

}  // namespace
}  // namespace lcprof
