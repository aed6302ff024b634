// A plugin as Debian builds them: no frame pointers. The host dlopens it
// after start and it calls back into the host for every item, so a sample in
// the callback is only whole if the walk crosses this module, which was not
// loaded when profiling started.
#include <stdint.h>

__attribute__((noinline, visibility("default"))) uint64_t plugin_run(uint64_t (*each)(uint64_t),
                                                                     uint64_t items) {
  uint64_t acc = 0;
  for (uint64_t i = 0; i < items; ++i) acc += each(i ^ acc);
  return acc;
}
