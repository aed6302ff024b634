# End-to-end tests of programs that block, wait for and leave signals.
add_executable(signals_test signals_test.cc)
target_link_libraries(signals_test PRIVATE e2e_util GTest::gtest_main)
target_compile_definitions(signals_test PRIVATE
  SIGNAL_BLOCKED_WORKERS_PATH="$<TARGET_FILE:signal_blocked_workers>"
  SIGNAL_LONGJMP_RECOVERY_PATH="$<TARGET_FILE:signal_longjmp_recovery>"
  SIGNAL_PROGRAM_HANDLERS_PATH="$<TARGET_FILE:signal_program_handlers>")
add_dependencies(signals_test lcprof signal_blocked_workers signal_longjmp_recovery
                 signal_program_handlers)
gtest_discover_tests(signals_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300 LABELS e2e
  RUN_SERIAL TRUE)  # workers' CPU against measured truth (see lcprof_e2e_test)
