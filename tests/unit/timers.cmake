# Sample weights (signal_weight.h, thread_timer_slot.h).
lcprof_unit_test(timer_weight_test timer_weight_test.cc)
# The registry against the kernel (thread_timers.h).
lcprof_unit_test(thread_timer_registry_test thread_timer_registry_test.cc)
