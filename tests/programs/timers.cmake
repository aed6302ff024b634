# Programs the timer tests profile (tests/e2e/timer_*_test.cc).
add_executable(timer_load timer_load.c)
target_compile_options(timer_load PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
target_link_libraries(timer_load PRIVATE lcprof Threads::Threads)

# The program's own ITIMER_PROF and descriptors (tests/e2e/program_timers_test.cc).
add_executable(own_itimer own_itimer.c)
target_compile_options(own_itimer PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
add_executable(fd_closer fd_closer.c)
target_compile_options(fd_closer PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
target_link_libraries(fd_closer PRIVATE Threads::Threads)
add_executable(fork_locks fork_locks.c)
target_compile_options(fork_locks PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
target_link_libraries(fork_locks PRIVATE lcprof Threads::Threads ${CMAKE_DL_LIBS})
add_executable(exec_in_handler exec_in_handler.c)
target_compile_options(exec_in_handler PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
target_link_libraries(exec_in_handler PRIVATE Threads::Threads)
