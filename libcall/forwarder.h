// The cold body of a forwarding wrapper: where its entry stub
// (entry_stubs.h), which handles the common case itself, jumps for every
// other case: the real function not resolved yet, a record in force (a
// nested call, or a stale record left by a longjmp, taken over by Enter), a
// program signal handler running (its own record, after settling handlers
// left by longjmp). Used by wrappers_linux.cc only.
#pragma once

#include <cstdint>
#include <type_traits>

#include "libcall/next_symbols.h"
#include "libcall/record.h"

namespace lcprof::libcall {

template <typename Ret, typename... Params>
[[gnu::noinline]] Ret ColdForward(uintptr_t fn, Ret (*NextSymbols::*slot)(Params...), uintptr_t pc,
                                  uintptr_t sp, uintptr_t fp,
                                  std::type_identity_t<Params>... args) {
  Record& record = ThisThreadRecord();
  const auto real = NextFunction(slot);
  if (!Enter(record, fn, pc, sp, fp)) return real(args...);  // nested (writer rule 1)
  Ret result = real(args...);
  Leave(record, true);
  return result;
}

}  // namespace lcprof::libcall

#define LCPROF_COMMA_ARGS(...) __VA_OPT__(, ) __VA_ARGS__

// The cold body: `id` the LibcallId it records, `field` its NextSymbols
// slot, `args` its parenthesised argument list. Must expand directly in the
// body function, which the stub enters by a jump: the builtins then describe
// the program's call (the caller's pc is the body's return address, the
// caller's fp its saved frame pointer, the caller's sp just above).
#define LCPROF_COLD_BODY(id, field, args)                                                    \
  const auto lcprof_frame_ = reinterpret_cast<const uintptr_t*>(__builtin_frame_address(0)); \
  return ::lcprof::libcall::ColdForward(                                                     \
      static_cast<uintptr_t>(id), &::lcprof::libcall::NextSymbols::field, lcprof_frame_[1],  \
      reinterpret_cast<uintptr_t>(lcprof_frame_ + 2), lcprof_frame_[0] LCPROF_COMMA_ARGS args);
