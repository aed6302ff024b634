// Storage of the per-thread libcall record, the thread's current G and the
// set of enabled calls. See record.h for the protocol.
#include "libcall/record.h"

#include <atomic>

#include "libcall/signal_guard.h"

namespace lcprof::libcall {
namespace {

// Zero-initialised POD in initial-exec TLS: no constructor runs and no
// __tls_get_addr call happens on access, so the signal handler may touch it.
__attribute__((tls_model("initial-exec"))) thread_local Record t_records[kMaxSignalDepth + 1];
__attribute__((tls_model("initial-exec"))) thread_local uintptr_t t_current_g;

constexpr const char* kNames[] = {"",
#define LCPROF_LIBCALL_NAME(name) #name,
                                  LCPROF_LIBCALLS(LCPROF_LIBCALL_NAME)
#undef LCPROF_LIBCALL_NAME
};
constexpr size_t kCount = static_cast<size_t>(LibcallId::kCount);
static_assert(sizeof(kNames) / sizeof(kNames[0]) == kCount);

// Written on the control path, read by wrappers anywhere: relaxed atomics.
// Stored inverted so that zero-initialisation (before any constructor runs)
// means "every call enabled".
std::atomic<bool> g_disabled[kCount] = {};

}  // namespace

Record& ThisThreadRecord() { return t_records[SignalDepth()]; }
Record& RecordAtDepth(int depth) { return t_records[depth]; }
uintptr_t CurrentG() { return t_current_g; }
void SetCurrentG(uintptr_t g) { t_current_g = g; }

const char* LibcallName(LibcallId id) {
  auto i = static_cast<size_t>(id);
  return i < kCount ? kNames[i] : "";
}

bool LibcallEnabled(LibcallId id) {
  auto i = static_cast<size_t>(id);
  return i < kCount && !g_disabled[i].load(std::memory_order_relaxed);
}

bool ConfigureLibcalls(const std::string& selection, std::string* unknown) {
  unknown->clear();
  bool want[kCount] = {};
  if (selection == "all") {
    for (bool& w : want) w = true;
  } else if (selection != "none") {
    size_t pos = 0;
    while (pos <= selection.size()) {
      size_t comma = selection.find(',', pos);
      if (comma == std::string::npos) comma = selection.size();
      std::string name = selection.substr(pos, comma - pos);
      pos = comma + 1;
      if (name.empty()) continue;
      size_t i = 1;
      while (i < kCount && name != kNames[i]) ++i;
      if (i < kCount) {
        want[i] = true;
      } else {
        if (!unknown->empty()) *unknown += ",";
        *unknown += name;
      }
    }
  }
  for (size_t i = 1; i < kCount; ++i) g_disabled[i].store(!want[i], std::memory_order_relaxed);
  return unknown->empty();
}

}  // namespace lcprof::libcall
