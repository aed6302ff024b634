/* A library of a profiled program that defines names of libstdc++ and
 * libprotobuf, as a program with its own (static, renamed or just
 * different) C++ runtime or protobuf may. Every name here is one that
 * liblcprof.so bound to when it linked libstdc++ and libprotobuf dynamically,
 * called at its load, start or profile write; this library comes before
 * them in the lookup order, so such a liblcprof.so would call these, which
 * say so and end the process (tests/e2e/isolation_test.cc). The zlib names
 * at the end are those a program with its own zlib exports (node does). */
#include <string.h>
#include <unistd.h>

static void clash_called(const char* name) {
  static const char prefix[] = "clash: liblcprof.so called the program's ";
  (void)!write(2, prefix, sizeof prefix - 1);
  (void)!write(2, name, strlen(name));
  (void)!write(2, "\n", 1);
  _exit(86);
}

#define CLASH(name) \
  void name(void);  \
  void name(void) { clash_called(#name); }

/* libstdc++: iostream set-up at load, the collector thread, std::map and
 * std::unordered_map inserts, std::hash<std::string>. */
CLASH(_ZNSt8ios_base4InitC1Ev)
CLASH(_ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE)
CLASH(_ZSt29_Rb_tree_insert_and_rebalancebPSt18_Rb_tree_node_baseS0_RS_)
CLASH(_ZNKSt8__detail20_Prime_rehash_policy14_M_need_rehashEmmm)
CLASH(_ZSt11_Hash_bytesPKvmm)
/* libprotobuf: descriptor registration at load, serialising and gzip at
 * write. */
CLASH(_ZN6google8protobuf8internal20AddDescriptorsRunnerC1EPKNS1_15DescriptorTableE)
CLASH(_ZNK6google8protobuf11MessageLite25SerializeToZeroCopyStreamEPNS0_2io20ZeroCopyOutputStreamE)
CLASH(_ZN6google8protobuf2io16GzipOutputStreamC1EPNS1_20ZeroCopyOutputStreamERKNS2_7OptionsE)

/* zlib, whose libz.so.1 liblcprof.so opens to write the profile: libz calls
 * these through its own PLT, so unless it is opened with RTLD_DEEPBIND these
 * definitions would be called (gzip_writer.cc). */
CLASH(crc32)
CLASH(deflateReset)
CLASH(deflateResetKeep)

/* What the program itself uses, so the library is a real dependency. */
int isolation_names_ready(void) { return 1; }
