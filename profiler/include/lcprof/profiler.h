/* Kept for programs that include <lcprof/profiler.h>: the gperftools
 * interface now lives at <gperftools/profiler.h>, its usual name. */
#ifndef LCPROF_PROFILER_H_
#define LCPROF_PROFILER_H_

#include "../gperftools/profiler.h"

#endif /* LCPROF_PROFILER_H_ */
