// dlclose, interposed: the one place a module the walkers may be reading can
// disappear. The real call runs between BeginModuleUnload and
// EndModuleUnload (unload_guard.h), so no walk reads a module's memory while
// it is unmapped and the frame-rule cache forgets the module's addresses.
// While a session runs, the module is recorded around the real call
// (unloaded_modules.h), while still mapped, so samples taken in it are named
// when the profile is written after it is gone.
// dlopen is not interposed: it only adds modules, which _dl_find_object
// knows the moment they are mapped, and interposing it would change the
// caller that $ORIGIN and RTLD_NEXT resolve against.
#include <dlfcn.h>

#include "profiler/output/unloaded_modules.h"
#include "profiler/unwinding/unload_guard.h"

extern "C" __attribute__((visibility("default"))) int dlclose(void* handle) {
  using DlcloseFn = int (*)(void*);
  static const auto real = reinterpret_cast<DlcloseFn>(dlsym(RTLD_NEXT, "dlclose"));
  if (real == nullptr) return -1;
  void* token = lcprof::RecordingUnloads() ? lcprof::RecordBeforeDlclose(handle) : nullptr;
  lcprof::BeginModuleUnload();
  const int rc = real(handle);
  lcprof::EndModuleUnload();
  lcprof::RecordAfterDlclose(token);  // nothing for a null token
  return rc;
}
