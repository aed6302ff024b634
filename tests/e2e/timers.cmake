# Timer engine tests (docs/timers.md): totals, fairness, short threads, fork, rate.
lcprof_e2e_test(timer_totals_test SERIAL)
add_dependencies(timer_totals_test timer_load)
target_compile_definitions(timer_totals_test PRIVATE TIMER_LOAD_PATH="$<TARGET_FILE:timer_load>")
