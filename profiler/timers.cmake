# Timer engines, per-thread timers and sample weights (sample_timer.h,
# thread_timers.h, signal_weight.h); docs/timers.md.
target_sources(lcprof_core PRIVATE
  profiler/timers/sample_timer.cc
  profiler/timers/posix_cpu_timer.cc
  profiler/timers/perf_event_timer.cc
  profiler/timers/thread_timers.cc
  profiler/sampling/signal_weight.cc)
target_link_libraries(lcprof_core PUBLIC rt)
