// Storage of the per-thread libcall record, the thread's current G and the
// set of enabled calls. See record.h for the protocol.
#include "libcall/record.h"

#include <atomic>

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

}  // namespace

__thread ThreadState t_libcall_state;
std::atomic<bool> g_libcall_disabled[static_cast<size_t>(LibcallId::kCount)] = {};

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
    g_libcall_disabled[i].store(!want[i], std::memory_order_relaxed);
  }
  return unknown->empty();
}

}  // namespace lcprof::libcall
