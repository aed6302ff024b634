// Recording modules before dlclose (profiler/output/unloaded_modules.h),
// driven as the dlclose interposer drives it, on the test library
// tests/programs/lines_plugin.c (built with -g): addresses in it are named,
// with file:line, after it is unloaded; storms of the same library stay
// bounded.
#include "profiler/output/unloaded_modules.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include "profiler/base/proc_maps.h"
#include "profiler/output/symbolizer.h"

namespace lcprof {
namespace {

// dlopen + the hook's two halves around the real dlclose; returns the
// address of plugin_burn while it was loaded.
uintptr_t LoadAndUnload() {
  void* h = dlopen(LINES_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  EXPECT_NE(h, nullptr) << dlerror();
  if (h == nullptr) return 0;
  const auto burn = reinterpret_cast<uintptr_t>(dlsym(h, "plugin_burn"));
  void* token = RecordBeforeDlclose(h);
  EXPECT_EQ(dlclose(h), 0);
  RecordAfterDlclose(token);
  return burn;
}

TEST(UnloadedModulesTest, NamedWithLinesAfterUnload) {
  StartRecordingUnloads();
  const uintptr_t burn = LoadAndUnload();
  ASSERT_NE(burn, 0u);
  std::vector<UnloadedModule> modules = StopRecordingUnloads();
  ASSERT_EQ(modules.size(), 1u);
  EXPECT_NE(modules[0].path.find("lines_plugin"), std::string::npos) << modules[0].path;
  EXPECT_FALSE(modules[0].build_id.empty());
  ASSERT_NE(modules[0].symbols, nullptr);

  Symbolizer symbolizer(ReadProcMaps());  // the library is gone from the maps
  symbolizer.AddUnloadedModules(std::move(modules));
  const ResolvedAddress r = symbolizer.Resolve(burn + 1);
  EXPECT_FALSE(r.jit);
  EXPECT_EQ(r.function, "plugin_burn");
  ASSERT_GE(r.mapping_index, 0);
  EXPECT_NE(symbolizer.BuildId(r.mapping_index), "");
  if (LineTables::Available()) {
    ASSERT_FALSE(r.source.empty());
    EXPECT_NE(r.source.back().file.find("lines_plugin.c"), std::string::npos)
        << r.source.back().file;
    EXPECT_GT(r.source.back().line, 0);
  }
}

TEST(UnloadedModulesTest, NothingRecordedWhenNotRecording) {
  StopRecordingUnloads();
  LoadAndUnload();
  EXPECT_TRUE(UnloadedModules().empty());
  EXPECT_EQ(UnloadedSymbolTableCount(), 0u);
}

// A thousand cycles of the same library: one symbol table, and one record
// per distinct place the loader put it. The kernel hands the freed range
// back, so that is one place here; 16 leaves room for other layouts while
// still failing if each cycle were kept.
TEST(UnloadedModulesTest, StormOfTheSameLibraryStaysBounded) {
  StartRecordingUnloads();
  for (int i = 0; i < 1000; ++i) LoadAndUnload();
  EXPECT_EQ(UnloadedSymbolTableCount(), 1u);
  const size_t records = UnloadedModules().size();
  EXPECT_GE(records, 1u);
  EXPECT_LE(records, 16u);
  std::vector<UnloadedModule> modules = StopRecordingUnloads();
  // Records share the one table.
  for (const UnloadedModule& m : modules) EXPECT_EQ(m.symbols, modules.front().symbols);
}

}  // namespace
}  // namespace lcprof
