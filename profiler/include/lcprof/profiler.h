/* gperftools-compatible entry points (<gperftools/profiler.h>), so a program
 * written for gperftools' CPU profiler links against lcprof unchanged: replace
 * the include and -lprofiler with -llcprof. */
#ifndef LCPROF_PROFILER_H_
#define LCPROF_PROFILER_H_

#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ProfilerState {
  int enabled;             /* profiling is running */
  time_t start_time;       /* when it started */
  char profile_name[1024]; /* the file it writes */
  int samples_gathered;    /* samples so far (0 in lcprof until stop) */
};

/* Starts profiling into `fname` at LCPROF_HZ (default 100). Returns nonzero on success. */
int ProfilerStart(const char* fname);
/* Stops profiling and writes the file. */
void ProfilerStop(void);
/* Every thread is sampled already; kept for source compatibility. */
void ProfilerRegisterThread(void);
/* Always 1: lcprof samples every thread. */
int ProfilingIsEnabledForAllThreads(void);
void ProfilerGetCurrentState(struct ProfilerState* state);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LCPROF_PROFILER_H_ */
