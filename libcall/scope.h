// The wrapper side of the contract: a scope object that publishes the
// caller's pc/sp/fp for the duration of one wrapped call (Go's libcCall).
// Used by every wrapper in libcall/ (interposers and explicit API).
#pragma once

#include <cstdint>

#include "libcall/record.h"

namespace lcprof::libcall {

class Scope {
 public:
  // The hot path (records[0] free, the common case) publishes directly;
  // anything else goes through ThisThreadRecord and Enter (record.h).
  Scope(LibcallId fn, uintptr_t caller_pc, uintptr_t caller_sp, uintptr_t caller_fp) {
    if (!LibcallEnabled(fn)) return;
    const auto id = static_cast<uintptr_t>(fn);
    if (FreeAtDepthZero()) [[likely]] {
      record_ = &t_libcall_state.records[0];
      Publish(*record_, id, caller_pc, caller_sp, caller_fp);
    } else if (Record& r = ThisThreadRecord(); Enter(r, id, caller_pc, caller_sp, caller_fp)) {
      record_ = &r;
    }
  }
  ~Scope() {
    if (record_ != nullptr) Leave(*record_, true);
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Record* record_ = nullptr;  // the record this call wrote, which it alone clears
};

}  // namespace lcprof::libcall

// Opens a libcall scope for the wrapper function this macro is written in.
// Must expand directly in the wrapper's body (not in a helper), because the
// builtins describe the frame they are evaluated in: the wrapper's return
// address is the caller's pc, the wrapper's frame pointer slot holds the
// caller's fp, and the caller's sp at the call site is just above the return
// address (frame + 16 on x86-64 with frame pointers, which libcall/ is built with).
#define LCPROF_LIBCALL_SCOPE(id)                                                       \
  ::lcprof::libcall::Scope lcprof_libcall_scope_(                                      \
      (id), reinterpret_cast<uintptr_t>(__builtin_return_address(0)),                  \
      reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) + 2 * sizeof(uintptr_t), \
      *reinterpret_cast<const uintptr_t*>(__builtin_frame_address(0)))
