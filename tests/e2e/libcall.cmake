# End-to-end tests of the libcall contract.
add_executable(libcall_test libcall_test.cc)
target_link_libraries(libcall_test PRIVATE e2e_util GTest::gtest_main)
target_compile_definitions(libcall_test PRIVATE
  LIBCALL_HANDLER_PATH="$<TARGET_FILE:libcall_handler>"
  LIBCALL_SIGPROF_PATH="$<TARGET_FILE:libcall_sigprof>"
  LIBCALL_TRANSPARENCY_PATH="$<TARGET_FILE:libcall_transparency>"
  FIBERS_PATH="$<TARGET_FILE:fibers>"
  LIBCALL_CALLERS_PATH="$<TARGET_FILE:libcall_callers>"
  LIBCALL_FORTIFIED_PATH="$<TARGET_FILE:libcall_fortified>"
  EXEC_AT_PATH="$<TARGET_FILE:exec_at>")
add_dependencies(libcall_test lcprof workload libcall_handler libcall_sigprof libcall_transparency
                fibers libcall_callers libcall_fortified exec_at)
gtest_discover_tests(libcall_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300 LABELS e2e
  RUN_SERIAL TRUE)  # caller shares against measured truth (see lcprof_e2e_test)
