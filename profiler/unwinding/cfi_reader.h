// Reads a module's DWARF call-frame information (.eh_frame through the
// sorted table of .eh_frame_hdr) for one code address and returns the row in
// force there as a FrameRule (frame_rule.h). Run by the walker in the SIGPROF
// handler on a frame-rule cache miss (frame_rule_cache.h): async-signal-safe,
// no allocation, and every read checked against the module's mapped
// segments, so malformed unwind data yields kNoInfo or kComplex, never a read
// outside them. The module itself must stay mapped meanwhile: the unload
// guard's job (unload_guard.h).
#pragma once

#include <cstdint>

#include "profiler/unwinding/code_modules.h"
#include "profiler/unwinding/frame_rule.h"

namespace lcprof {

struct CfiLookup {
  FrameRule rule;           // kNoInfo when no FDE covers the address
  uintptr_t fde_start = 0;  // the covering FDE's first code address (0: none)
};

// The row in force at `addr` (an exact pc, or a return address minus one: a
// row applies from its own address on, so rows starting after `addr` are not
// applied). `module` is FindCodeModule(addr)'s answer. Signal-safe.
CfiLookup ReadFrameRule(const CodeModule& module, uintptr_t addr);

}  // namespace lcprof
