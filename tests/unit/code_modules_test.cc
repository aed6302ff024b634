// libc's span in the module map is libc.so.6's, even when the first
// definition of a libc name is someone else's: here this test program's own
// gnu_get_libc_version, as an interposer (ASan, libfaketime) may define libc
// names. (Earlier the span was taken from &gnu_get_libc_version.)
#include "profiler/unwinding/code_modules.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

extern "C" __attribute__((visibility("default"), noinline)) const char* gnu_get_libc_version() {
  return "not libc";
}

namespace lcprof {
namespace {

TEST(CodeModulesTest, LibcIsTheRealLibcWhateverDefinesItsNamesFirst) {
  ASSERT_STREQ(gnu_get_libc_version(), "not libc");
  PrepareCodeModules();
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(libc, nullptr);
  for (const char* name : {"read", "pthread_mutex_lock", "gnu_get_libc_version"}) {
    auto addr = reinterpret_cast<uintptr_t>(dlsym(libc, name));
    EXPECT_TRUE(InWrappedCallCode(addr)) << name;
    CodeModule m;
    ASSERT_TRUE(FindCodeModule(addr, &m)) << name;
    EXPECT_EQ(m.kind, ModuleKind::kLibc) << name;
  }
  dlclose(libc);
  EXPECT_FALSE(InWrappedCallCode(reinterpret_cast<uintptr_t>(&gnu_get_libc_version)));
}

}  // namespace
}  // namespace lcprof
