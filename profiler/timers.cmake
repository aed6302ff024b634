# Timer engines and sample weights (sample_timer.h, signal_weight.h).
target_sources(lcprof_core PRIVATE
  profiler/timer_itimer.cc
  profiler/signal_weight.cc)
