# Sample weights (signal_weight.h, thread_timer_slot.h).
lcprof_unit_test(timer_weight_test timer_weight_test.cc)
