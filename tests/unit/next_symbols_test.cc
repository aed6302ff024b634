// The real-function table (libcall/next_symbols.h) and the dlsym-free libc
// lookup behind it (libcall/libc_symbols.h).
#include "libcall/next_symbols.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libcall/libc_symbols.h"

namespace lcprof::libcall {
namespace {

TEST(LibcSymbolsTest, FindsLibcsOwnDefaultVersionedDefinitions) {
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(libc, nullptr);
  // Plain, versioned twice (the default @@GLIBC_2.3.2 one), a GNU ifunc
  // (gettimeofday), and what the wrappers forward to.
  for (const char* name : {"read", "pthread_cond_wait", "pthread_cond_timedwait", "gettimeofday",
                           "__read_chk", "open64", "mmap64", "fcntl64", "sigaction", "exit"}) {
    EXPECT_EQ(LookUpLibcSymbol(name), dlsym(libc, name)) << name;
  }
  EXPECT_EQ(LookUpLibcSymbol("no_such_function_in_libc"), nullptr);
  EXPECT_EQ(LookUpLibcSymbol(""), nullptr);
  dlclose(libc);
  EXPECT_NE(LibcLoadBase(), 0u);
}

int g_lookups = 0;
pid_t g_inner_pid = 0;

// Stands for dlsym whose allocation reaches a wrapped call: every lookup
// calls getpid through the table while the table is being filled.
void* ReenteringLookup(const char* name) {
  ++g_lookups;
  g_inner_pid = NextFunction(&NextSymbols::getpid)();
  return dlsym(RTLD_NEXT, name);
}

TEST(NextSymbolsTest, AWrappedCallMadeFromInsideTheLookupGetsItsFunction) {
  ReresolveNextSymbolsForTest(ReenteringLookup);
  EXPECT_EQ(g_inner_pid, static_cast<pid_t>(syscall(SYS_getpid)));
  // One pass: the inner calls did not start the lookups over.
  EXPECT_LE(g_lookups, 64);
  EXPECT_GT(g_lookups, 0);
  EXPECT_NE(Next().read, nullptr);
  EXPECT_NE(Next().open64_2, nullptr);
  EXPECT_NE(Next().pthread_cond_timedwait, nullptr);
  EXPECT_EQ(Next().getpid(), static_cast<pid_t>(syscall(SYS_getpid)));
  ReresolveNextSymbolsForTest([](const char* name) { return dlsym(RTLD_NEXT, name); });
}

}  // namespace
}  // namespace lcprof::libcall
