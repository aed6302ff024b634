// The recording body of a forwarding wrapper: what its entry stub
// (entry_stubs.h) jumps to when the call is selected. Used by
// wrappers_linux.cc only.
//
// Hot path (the thread runs its own code and no record is in force, i.e.
// records[0] is free: record.h's FreeAtDepthZero): publish the caller into
// records[0] with %fs-relative stores, call the real function, clear sp.
// Nothing but the return value lives across the call, so the body saves no
// register besides its frame pointer, and the clearing store needs no saved
// address: the record written is always records[0].
//
// Everything else is the cold path (ColdForward, out of line): the real
// function not resolved yet, a record in force (a nested call, or a stale
// record left by a longjmp, taken over by Enter), a program signal handler
// running (its own record, after settling handlers left by longjmp).
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

// The body of a forwarding wrapper: `ret` its return type, `id` the
// LibcallId it records, `field` its NextSymbols slot, `args` its
// parenthesised argument list. Must expand directly in the body function:
// the builtins describe its frame (the caller's pc is its return address,
// the caller's fp its saved frame pointer, the caller's sp just above).
#define LCPROF_RECORDING_BODY(ret, id, field, args)                                               \
  namespace lc = ::lcprof::libcall;                                                               \
  const auto lcprof_frame_ = reinterpret_cast<const uintptr_t*>(__builtin_frame_address(0));      \
  const uintptr_t lcprof_pc_ = lcprof_frame_[1];                                                  \
  const uintptr_t lcprof_sp_ = reinterpret_cast<uintptr_t>(lcprof_frame_ + 2);                    \
  const uintptr_t lcprof_fp_ = lcprof_frame_[0];                                                  \
  const auto real = __atomic_load_n(&lc::g_next_symbols.field, __ATOMIC_RELAXED);                 \
  if (real == nullptr || !lc::FreeAtDepthZero()) [[unlikely]] {                                   \
    return lc::ColdForward(static_cast<uintptr_t>(id), &lc::NextSymbols::field, lcprof_pc_,       \
                           lcprof_sp_, lcprof_fp_ LCPROF_COMMA_ARGS args);                        \
  }                                                                                               \
  lc::Publish(lc::t_libcall_state.records[0], static_cast<uintptr_t>(id), lcprof_pc_, lcprof_sp_, \
              lcprof_fp_);                                                                        \
  ret lcprof_result_ = real args;                                                                 \
  lc::ClearRecordZero();                                                                          \
  return lcprof_result_;
