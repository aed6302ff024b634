/* lcprof: a sampling CPU profiler for native Linux programs.
 *
 * The C API of liblcprof for programs that link it (C and C++). A program
 * started with LD_PRELOAD=liblcprof.so and LCPROF_OUT set is profiled without
 * calling any of this. See docs/usage.md. */
#ifndef LCPROF_LCPROF_H_
#define LCPROF_LCPROF_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Options for lcprof_start. Initialise with lcprof_options_init so that
 * fields added by later versions get their defaults. */
typedef struct lcprof_options {
  size_t struct_size; /* sizeof(lcprof_options), set by lcprof_options_init */
  int frequency_hz;   /* samples per CPU-second, 1..10000; default 100 */
  const char* timer;  /* "itimer" (default), "thread" or "perf"; NULL: default */
  const char* unwind; /* "fp", "dwarf" or "hybrid" (default); NULL: default */
  int max_depth;      /* frames per sample, 1..250; default 128 */
  long max_stacks;    /* distinct stacks kept, 1..10000000; default 100000 */
} lcprof_options;

void lcprof_options_init(lcprof_options* options);

/* Starts profiling every thread of the process into `path` ("%p" becomes the
 * pid). `options` may be NULL for the defaults. Returns 0 on success; -1 when
 * profiling is already running, an option is out of range or `path` cannot be
 * written, with the reason on stderr and in lcprof_last_error(). */
int lcprof_start(const char* path, const lcprof_options* options);

/* Stops profiling and writes the profile (gzipped pprof; `go tool pprof`
 * reads it). Returns 0 on success, -1 when profiling was not running or the
 * file could not be written (reason as for lcprof_start). */
int lcprof_stop(void);

/* 1 while profiling runs, else 0. */
int lcprof_is_running(void);

/* The reason the last failed call gave, "" if none. Valid until this
 * thread calls lcprof_last_error again. */
const char* lcprof_last_error(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LCPROF_LCPROF_H_ */
