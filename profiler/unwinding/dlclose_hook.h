// What the dlclose interposer (dlclose_interposer.cc) calls around the real
// dlclose, so that a higher stage can record a module before it is unmapped
// (profiler/output/unloaded_modules.h) without this stage knowing of it.
// Control path only: dlclose is never called from a signal handler of ours.
#pragma once

#include <atomic>

namespace lcprof {

struct DlcloseHook {
  // Before the real dlclose of `handle`, while its module is still mapped.
  // Returns a token handed to `after`.
  void* (*before)(void* handle);
  // After the real dlclose returned, with the token `before` gave.
  void (*after)(void* token);
};

// The hook in force, or nullptr (no session records modules): the
// interposer then does nothing beyond the unload guard.
inline std::atomic<const DlcloseHook*> g_dlclose_hook{nullptr};

}  // namespace lcprof
