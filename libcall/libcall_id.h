// Names of the calls lcprof routes through the libcall contract. A sample taken
// under a record carries the id of the call that recorded, so the pprof writer
// can name it even when the interrupted pc is in an unnamed libc helper.
#pragma once

#include <cstdint>

namespace lcprof::libcall {

// X(name): one entry per wrapped call, in the order of the contract's table.
#define LCPROF_LIBCALLS(X) \
  X(read)                  \
  X(write)                 \
  X(getpid)                \
  X(usleep)

enum class LibcallId : uint32_t {
  kNone = 0,
#define LCPROF_LIBCALL_ENUM(name) k_##name,
  LCPROF_LIBCALLS(LCPROF_LIBCALL_ENUM)
#undef LCPROF_LIBCALL_ENUM
      kCount
};

// "read", "write", ...; "" for kNone or out-of-range values.
const char* LibcallName(LibcallId id);

}  // namespace lcprof::libcall
