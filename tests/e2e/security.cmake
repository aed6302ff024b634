# A setuid program is never profiled (profiler/control/secure_process.h).
add_executable(security_test security_test.cc)
target_link_libraries(security_test PRIVATE e2e_util GTest::gtest_main)
target_compile_definitions(security_test PRIVATE
  SECURE_LINKED_PATH="$<TARGET_FILE:secure_linked>")
add_dependencies(security_test lcprof secure_linked)
gtest_discover_tests(security_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120 LABELS e2e)
