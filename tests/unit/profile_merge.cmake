# The merge of a process tree's profiles (tools/profile_merge.h), on profiles
# built in memory; and the library's quiet mode for notices.
add_executable(profile_merge_test profile_merge_test.cc ${CMAKE_SOURCE_DIR}/tools/profile_merge.cc)
target_link_libraries(profile_merge_test PRIVATE lcprof_flags lcprof_proto GTest::gtest_main)
gtest_discover_tests(profile_merge_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
lcprof_unit_test(log_test log_test.cc)
