# Unwinders behind unwinder.h.
target_sources(lcprof_core PRIVATE
  profiler/unwinder.cc
  profiler/unwind_fp.cc)
