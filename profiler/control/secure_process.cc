// The AT_SECURE rule; see secure_process.h.
#include "profiler/control/secure_process.h"

#include <sys/auxv.h>

namespace lcprof {

const char* SecureProcessRefusal(unsigned long at_secure) {
  return at_secure != 0
             ? "not profiling a setuid/setgid program (AT_SECURE): its caller's settings "
               "must not choose where it writes"
             : nullptr;
}

const char* ThisProcessRefusal() { return SecureProcessRefusal(getauxval(AT_SECURE)); }

}  // namespace lcprof
