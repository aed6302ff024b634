/* lcprof's implementation of the gperftools CPU profiler interface.
 *
 * A program written for gperftools' libprofiler builds against lcprof
 * unchanged: this header is found as <gperftools/profiler.h> through lcprof's
 * pkg-config file and CMake package, and liblcprof.so defines every function
 * below with gperftools' signature. The profile is gzipped pprof protobuf
 * (`go tool pprof FILE`), not gperftools' legacy format. Differences from
 * gperftools are listed in docs/gperftools.md. */
#ifndef LCPROF_GPERFTOOLS_PROFILER_H_
#define LCPROF_GPERFTOOLS_PROFILER_H_

#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Settings for ProfilerStartWithOptions; zero every field before use. */
struct ProfilerOptions {
  /* When set, gperftools asks this function, on every tick, whether the
   * interrupted thread's sample counts. lcprof never runs program code in its
   * signal handler and samples every thread: a non-null filter is reported
   * on stderr and not called (filter afterwards with pprof's -tagfocus on
   * the thread_id / thread_name labels). */
  int (*filter_in_thread)(void* arg);
  void* filter_in_thread_arg;
};

/* Starts profiling every thread into `fname` (settings from the environment:
 * LCPROF_HZ or CPUPROFILE_FREQUENCY, LCPROF_TIMER, ...). Returns nonzero on
 * success; 0 when `fname` is null or empty, profiling already runs, or the
 * file cannot be written (reason on stderr). */
int ProfilerStart(const char* fname);

/* ProfilerStart with `options` (may be null). */
int ProfilerStartWithOptions(const char* fname, const struct ProfilerOptions* options);

/* Stops profiling and writes the profile. Nothing when not profiling. */
void ProfilerStop(void);

/* Writes every sample so far to the profile's file without stopping
 * (stop later writes the whole run there). Runs on the calling thread. */
void ProfilerFlush(void);

/* Kept for gperftools' older callers: lcprof samples every thread already. */
void ProfilerEnable(void);
void ProfilerDisable(void);
void ProfilerRegisterThread(void);

/* Nonzero while profiling runs (every thread is sampled then). */
int ProfilingIsEnabledForAllThreads(void);

/* What ProfilerGetCurrentState reports. */
struct ProfilerState {
  int enabled;             /* nonzero while profiling runs */
  time_t start_time;       /* when it started, if it runs */
  char profile_name[1024]; /* the file it writes, if it runs */
  int samples_gathered;    /* samples so far, if it runs */
};
void ProfilerGetCurrentState(struct ProfilerState* state);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LCPROF_GPERFTOOLS_PROFILER_H_ */
