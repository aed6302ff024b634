// Unit tests for profiler/demangle.{h,cc}: known symbols of each scheme come
// out as perf shows them (the Rust ones taken from rustc 1.95 -O -g builds),
// C++ exactly as the C++ runtime's own demangler writes it, and anything else
// (C, JIT names, junk, every truncation of a valid name) unchanged or at
// least without a crash.
#include "profiler/output/demangle.h"

#include <cxxabi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace lcprof {
namespace {

struct Case {
  const char* mangled;
  const char* plain;
};

void ExpectAll(const std::vector<Case>& cases) {
  for (const Case& c : cases) EXPECT_EQ(Demangle(c.mangled), c.plain) << c.mangled;
}

TEST(DemangleTest, CppAsPerfShowsIt) {
  ExpectAll({
      {"_ZNSt6vectorIiSaIiEE9push_backERKi",
       "std::vector<int, std::allocator<int> >::push_back(int const&)"},
      {"_ZN6lcprof8DemangleERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE",
       "lcprof::Demangle(std::__cxx11::basic_string<char, std::char_traits<char>, "
       "std::allocator<char> > const&)"},
      {"_ZNKSt8functionIFviEEclEi", "std::function<void (int)>::operator()(int) const"},
      {"_ZZ4mainENKUlvE_clEv", "main::{lambda()#1}::operator()() const"},
      {"_Z3foov.cold", "foo() [clone .cold]"},
      {"_Z3fooi.isra.0", "foo(int) [clone .isra.0]"},
  });
}

// The C++ runtime's demangler (what lcprof used before) and ours agree on
// C++ names: switching demanglers renamed no C++ frame.
TEST(DemangleTest, CppMatchesTheCxxRuntime) {
  for (const char* s : {"_ZNSt6vectorIiSaIiEE9push_backERKi", "_ZNKSt8functionIFviEEclEi",
                        "_ZZ4mainENKUlvE_clEv", "_ZN9__gnu_cxx13new_allocatorIcE8allocateEmPKv",
                        "_ZSt4endlIcSt11char_traitsIcEERSt13basic_ostreamIT_T0_ES6_"}) {
    int status = 0;
    char* runtime = abi::__cxa_demangle(s, nullptr, nullptr, &status);
    ASSERT_EQ(status, 0) << s;
    EXPECT_EQ(Demangle(s), runtime) << s;
    std::free(runtime);
  }
}

TEST(DemangleTest, RustLegacyDropsEscapesAndHash) {
  ExpectAll({
      {"_ZN1m4main17h4009bc0cd8b193aaE", "m::main"},
      {"_ZN121_$LT$hashbrown..map..HashMap$LT$K$C$V$C$S$C$A$GT$$u20$as$u20$core..iter..traits.."
       "collect..Extend$LT$$LP$K$C$V$RP$$GT$$GT$6extend17h1414d17620882643E",
       "<hashbrown::map::HashMap<K,V,S,A> as core::iter::traits::collect::Extend<(K,V)>>::extend"},
      {"_ZN38_$LT$m..Square$u20$as$u20$m..Shape$GT$4area17hdbf7c80972a23db4E",
       "<m::Square as m::Shape>::area"},
      // LTO's suffix goes too.
      {"_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h168e94e611939a97E.llvm."
       "216031587827213051",
       "std::rt::lang_start::{{closure}}"},
  });
}

TEST(DemangleTest, RustV0DropsDisambiguatorsKeepsGenerics) {
  ExpectAll({
      {"_RNvCskK7mfDs1mzF_1m4main", "m::main"},
      {"_RINvCskK7mfDs1mzF_1m11sum_genericmEB2_", "m::sum_generic::<u32>"},
      {"_RNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal", "std::rt::lang_start_internal"},
      {"_RINvXs1i_NtCsgvbsrvnw3yD_9hashbrown3mapINtB7_7HashMapyyNtNtNtCsjrHSEGnQ3l9_3std4hash6ra"
       "ndom11RandomStateEINtNtNtNtCsgEmfK2I1SDS_4core4iter6traits7collect6ExtendTyyEE6extendINtN"
       "tNtB1M_8adapters3map3MapINtNtNtB1O_3ops5range5RangeyENCNvCskK7mfDs1mzF_1m9build_map0EEB3J_",
       "<hashbrown::map::HashMap<u64, u64, std::hash::random::RandomState> as "
       "core::iter::traits::collect::Extend<(u64, u64)>>::extend::<core::iter::adapters::map::Map<"
       "core::ops::range::Range<u64>, m::build_map::{closure#0}>>"},
  });
}

TEST(DemangleTest, D) { ExpectAll({{"_D3foo3barFZv", "foo.bar()"}, {"_Dmain", "D main"}}); }

TEST(DemangleTest, EverythingElseIsUnchanged) {
  for (const char* s :
       {"", "main", "read", "__libc_start_main", "_start", "_DYNAMIC", "_Z", "_R", "_D", "_ZN1m",
        "_RNv", "_Zjunk", "_Rjunk", "Builtins_JSEntry",
        // A GNAT-style name: Ada's scheme is plain C names with
        // "__" and is left alone (docs/pprof-output.md).
        "my_pkg__my_proc",
        // perf-map names from JIT runtimes.
        "JS:*fib /tmp/hot.js:1:13", "py::f:/tmp/x.py", "Ljava/lang/String;::hashCode"}) {
    EXPECT_EQ(Demangle(s), s) << s;
  }
}

// Itanium names beyond the stack bound stay mangled (demangle.cc).
TEST(DemangleTest, VeryLongCppNamesStayMangled) {
  // _Z3fooIJiiii…EEvv: foo<int, int, …>(); 9000 template arguments.
  std::string longest = "_Z3fooIJ" + std::string(9000, 'i') + "EEvv";
  EXPECT_EQ(Demangle(longest), longest);
  std::string shorter = "_Z3fooIJ" + std::string(100, 'i') + "EEvv";
  EXPECT_EQ(Demangle(shorter).rfind("void foo<int, int, ", 0), 0u) << Demangle(shorter);
}

// No prefix of a valid name crashes the demanglers or comes back empty.
TEST(DemangleTest, TruncatedNamesAreHandled) {
  for (std::string s : {"_ZNSt6vectorIiSaIiEE9push_backERKi",
                        "_ZN38_$LT$m..Square$u20$as$u20$m..Shape$GT$4area17hdbf7c80972a23db4E",
                        "_RINvCskK7mfDs1mzF_1m11sum_genericmEB2_", "_D3foo3barFZv"}) {
    for (size_t n = 0; n <= s.size(); ++n) {
      std::string prefix = s.substr(0, n);
      std::string out = Demangle(prefix);
      if (!prefix.empty()) {
        EXPECT_FALSE(out.empty()) << prefix;
      }
    }
  }
}

}  // namespace
}  // namespace lcprof
