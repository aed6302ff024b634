// Storage of the per-thread libcall record and the thread's current G.
// See record.h for the protocol.
#include "libcall/record.h"

namespace lcprof::libcall {
namespace {

// Zero-initialised POD in initial-exec TLS: no constructor runs and no
// __tls_get_addr call happens on access, so the signal handler may touch it.
__attribute__((tls_model("initial-exec"))) thread_local Record t_record;
__attribute__((tls_model("initial-exec"))) thread_local uintptr_t t_current_g;

}  // namespace

Record& ThisThreadRecord() { return t_record; }
uintptr_t CurrentG() { return t_current_g; }

const char* LibcallName(LibcallId id) {
  static constexpr const char* kNames[] = {
      "",
#define LCPROF_LIBCALL_NAME(name) #name,
      LCPROF_LIBCALLS(LCPROF_LIBCALL_NAME)
#undef LCPROF_LIBCALL_NAME
  };
  auto i = static_cast<uint32_t>(id);
  return i < sizeof(kNames) / sizeof(kNames[0]) ? kNames[i] : "";
}

}  // namespace lcprof::libcall
