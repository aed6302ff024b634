// Storage of the per-thread libcall record, the thread's current G and the
// set of enabled calls. See record.h for the protocol.
#include "libcall/record.h"

#include <atomic>

#include "libcall/next_symbols.h"
#include "libcall/signal_guard.h"

namespace lcprof::libcall {
namespace {

constexpr const char* kNames[] = {"",
#define LCPROF_LIBCALL_NAME(name) #name,
                                  LCPROF_LIBCALLS(LCPROF_LIBCALL_NAME)
#undef LCPROF_LIBCALL_NAME
};
constexpr size_t kCount = static_cast<size_t>(LibcallId::kCount);
static_assert(sizeof(kNames) / sizeof(kNames[0]) == kCount);

constexpr size_t kCallCount = kCount;

// What a wrapper that records nothing jumps to (see g_libcall_bypass).
uintptr_t BypassTarget(size_t i) {
  const NextSymbols& next = Next();
  switch (static_cast<LibcallId>(i)) {
#define LCPROF_BYPASS_TARGET(ret, name, params, args) \
  case LibcallId::k_##name:                           \
    return reinterpret_cast<uintptr_t>(next.name);
    LCPROF_FORWARDED_CALLS(LCPROF_BYPASS_TARGET)
#undef LCPROF_BYPASS_TARGET
    default:
      return 1;
  }
}

}  // namespace

__thread ThreadState t_libcall_state;
std::atomic<uintptr_t> g_libcall_bypass[kBypassWords] = {};

const char* LibcallName(LibcallId id) {
  auto i = static_cast<size_t>(id);
  return i < kCount ? kNames[i] : "";
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
  for (size_t i = 1; i < kCallCount; ++i) {
    // (A forwarded call whose real function could not be resolved keeps 0:
    // it records, harmlessly, rather than jump to nothing.)
    g_libcall_bypass[i].store(want[i] ? 0 : BypassTarget(i), std::memory_order_relaxed);
  }
  const NextSymbols& next = Next();
#define LCPROF_REDIRECTED_BYPASS(ret, symbol, field, plain, params, args)                        \
  g_libcall_bypass[BypassIndex(RedirectedForwarder::k_##field)].store(                           \
      want[static_cast<size_t>(LibcallId::k_##plain)] ? 0                                        \
                                                      : reinterpret_cast<uintptr_t>(next.field), \
      std::memory_order_relaxed);
  LCPROF_REDIRECTED_FORWARDERS(LCPROF_REDIRECTED_BYPASS)
#undef LCPROF_REDIRECTED_BYPASS
  return unknown->empty();
}

}  // namespace lcprof::libcall
