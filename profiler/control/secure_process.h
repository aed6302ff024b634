// Whether this process may be profiled at all. A setuid or setgid program
// (or one given file capabilities: the kernel's AT_SECURE) runs with
// privileges its caller does not have, while lcprof's settings come from that
// caller's environment: honouring LCPROF_OUT there would let any user write
// a root-owned file wherever they like. So such a process is never profiled,
// however profiling is asked for (environment, C API, gperftools API).
#pragma once

namespace lcprof {

// Why a process whose auxiliary vector holds AT_SECURE = `at_secure` must
// not be profiled, or nullptr if it may be.
const char* SecureProcessRefusal(unsigned long at_secure);

// The same for this process (getauxval(AT_SECURE)). Control path.
const char* ThisProcessRefusal();

}  // namespace lcprof
