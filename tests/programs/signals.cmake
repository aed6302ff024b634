# Programs for the tests of programs that block, wait for and leave signals.
add_executable(signal_blocked_workers signal_blocked_workers.c)
target_compile_options(signal_blocked_workers PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
target_link_libraries(signal_blocked_workers PRIVATE Threads::Threads)
add_executable(signal_longjmp_recovery signal_longjmp_recovery.c)
target_compile_options(signal_longjmp_recovery PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
add_executable(signal_program_handlers signal_program_handlers.c)
target_compile_options(signal_program_handlers PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
target_link_libraries(signal_program_handlers PRIVATE Threads::Threads ${CMAKE_DL_LIBS})
