# Timer engines, per-thread timers and sample weights (sample_timer.h,
# thread_timers.h, signal_weight.h); docs/timers.md.
target_sources(lcprof_core PRIVATE
  profiler/timers/timer_itimer.cc
  profiler/timers/timer_thread.cc
  profiler/timers/timer_perf.cc
  profiler/timers/thread_timers.cc
  profiler/sampling/signal_weight.cc)
target_link_libraries(lcprof_core PUBLIC rt)
