# Unit tests of the unwinders (unwind_fp, cfi_reader, frame_rule_cache,
# unwind_dwarf, unwind_walk).
# Not under TSan: the test defines malloc, which TSan's runtime calls,
# instrumented, before it is initialised (a crash at start).
if(NOT LCPROF_SANITIZE_THREAD)
  lcprof_unit_test(unwind_walk_test unwind_walk_test.cc)
  target_include_directories(unwind_walk_test SYSTEM PRIVATE ${LCPROF_LIBUNWIND_DIR}/include)
  target_link_libraries(unwind_walk_test PRIVATE ${CMAKE_DL_LIBS} Threads::Threads)
endif()
lcprof_unit_test(unwind_fuzz_test unwind_fuzz_test.cc)
lcprof_unit_test(cfi_reader_test cfi_reader_test.cc)
lcprof_unit_test(frame_rule_cache_test frame_rule_cache_test.cc)
target_link_libraries(frame_rule_cache_test PRIVATE Threads::Threads)
lcprof_unit_test(thread_stack_test thread_stack_test.cc)
target_link_libraries(thread_stack_test PRIVATE Threads::Threads)
lcprof_unit_test(code_modules_test code_modules_test.cc)
target_link_libraries(code_modules_test PRIVATE ${CMAKE_DL_LIBS})
