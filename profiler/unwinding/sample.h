// One sample as the signal handler produces it: fixed size, filled in place
// on the handler's stack, then aggregated into the stack table (stack_table.h).
#pragma once

#include <cstdint>

namespace lcprof {

// Largest number of frames a sample holds: the deepest walk allowed
// (options.h kMaxDepth), plus room for the leaf pc, the libcall frame and
// the pseudo-frame that ends a cut walk.
inline constexpr int kMaxFrames = 256;

// Pseudo-frames: values no code address can take (the first page is never
// mapped), so they share the frame array with real addresses. Each says why a
// walk ended early; the pprof writer gives them readable names.
enum PseudoFrame : uintptr_t {
  kFrameTruncated = 1,      // the walk reached the depth limit (LCPROF_DEPTH)
  kFrameNoStackBounds = 2,  // the thread's stack bounds are unknown: no walk
  kFrameForeignStack = 3,   // the interrupted sp is outside the thread's stack
  kFrameLost = 4,           // stands for samples the stack table had no room for
  kFrameUnsampled = 5,      // CPU a thread ran that no sample saw (settled at its exit)
  kFrameBrokenChain = 10,   // a caller failed a check (frame outside the stack, not above
                            // the previous one, bad frame pointer): what lies above is unknown
  kFrameDwarfFailed = 11,   // libunwind could not step a frame it had unwind info for
  kFrameSignal = 100,       // a signal frame: above it, the code the handler interrupted
  kPseudoFrameLimit = 4096,
};

inline bool IsPseudoFrame(uintptr_t f) { return f < kPseudoFrameLimit; }

// "Insert a frame naming the wrapped call `fn` (libcall::Record::fn) before
// frames[index], unless frames[index - 1] already is that call": how a
// sample taken under a libcall record names the call it was taken in, even
// when the interrupted pc sits in an unnamed helper of it.
struct LibcallMark {
  uint32_t index;
  uintptr_t fn;
};
inline constexpr int kMaxLibcallMarks = 5;

struct Sample {
  uint32_t depth;  // frames used
  uint32_t marks;  // libcall marks used
  int32_t tid;     // kernel thread id
  uint32_t reserved;
  uint64_t cpu_nanos;  // CPU time this sample stands for
  uint64_t g;          // the G the thread ran (0 = the thread itself)
  LibcallMark mark[kMaxLibcallMarks];
  // frames[0] is the exact interrupted pc; frames[1..] are return addresses
  // (or pseudo-frames), callers towards the root.
  uintptr_t frames[kMaxFrames];
};

}  // namespace lcprof
