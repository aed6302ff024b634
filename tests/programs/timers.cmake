# Programs the timer tests profile (tests/e2e/timer_*_test.cc).
add_executable(timer_load timer_load.c)
target_compile_options(timer_load PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
target_link_libraries(timer_load PRIVATE lcprof Threads::Threads)
