// Keeps walkers and dlclose apart. A walk reads memory of the modules its
// frames are in (.eh_frame, through cfi_reader.h, and libunwind's reads) and
// trusts the frame-rule cache (frame_rule_cache.h); dlclose unmaps a module
// and lets another be mapped at its addresses. So:
//  - every walk that may read module memory or the cache runs inside a
//    WalkGuard;
//  - the dlclose interposer (dlclose_interposer.cc) brackets the real call
//    with BeginModuleUnload/EndModuleUnload.
// Protocol (Dekker-style, every access sequentially consistent):
//   walker:  walkers += 1; if unloaders != 0: walk by frame pointers only
//            (stack reads, nothing of any module's memory, no cache); ...;
//            walkers -= 1
//   unload:  unloaders += 1; wait until walkers == 0; real dlclose;
//            clear the cache; unloaders -= 1
// Either the walker sees the unload (and keeps off module memory), or the
// unloader sees the walker (and waits for it to finish). A walk is short and
// never waits, so the wait ends; the unloader waits only if it is not itself
// inside a walk (a handler calling dlclose would wait for itself).
// While any dlclose runs, samples are walked by frame pointers: briefly
// coarser, never wrong memory.
#pragma once

namespace lcprof {

class WalkGuard {
 public:
  WalkGuard();
  ~WalkGuard();
  WalkGuard(const WalkGuard&) = delete;
  WalkGuard& operator=(const WalkGuard&) = delete;
  // False while a module is being unloaded: read no module memory or cache.
  bool modules_readable() const { return readable_; }

 private:
  bool readable_;
};

// Control path, before the first walk: resets the guard in fork children
// (a walk or dlclose under way on another thread at fork never ends there).
void PrepareUnloadGuard();

// Control path (the dlclose interposer). Not for signal handlers.
void BeginModuleUnload();
void EndModuleUnload();

}  // namespace lcprof
