# Timer engines, per-thread timers and sample weights (sample_timer.h,
# thread_timers.h, signal_weight.h); docs/timers.md.
target_sources(lcprof_core PRIVATE
  profiler/timer_itimer.cc
  profiler/timer_thread.cc
  profiler/timer_perf.cc
  profiler/thread_timers.cc
  profiler/signal_weight.cc)
target_link_libraries(lcprof_core PUBLIC rt)
