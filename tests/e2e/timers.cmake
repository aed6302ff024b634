# Timer engine tests (docs/timers.md): totals, fairness, short threads, fork, rate.
lcprof_e2e_test(timer_totals_test SERIAL)
add_dependencies(timer_totals_test timer_load)
target_compile_definitions(timer_totals_test PRIVATE TIMER_LOAD_PATH="$<TARGET_FILE:timer_load>")

# The program's own ITIMER_PROF and descriptors (issue 10).
lcprof_e2e_test(program_timers_test)
add_dependencies(program_timers_test own_itimer fd_closer fork_locks exec_in_handler)
target_compile_definitions(program_timers_test PRIVATE OWN_ITIMER_PATH="$<TARGET_FILE:own_itimer>"
  FD_CLOSER_PATH="$<TARGET_FILE:fd_closer>" FORK_LOCKS_PATH="$<TARGET_FILE:fork_locks>"
  EXEC_IN_HANDLER_PATH="$<TARGET_FILE:exec_in_handler>")
