# The profile's output side: the wire encoder and the model encoder (decoded
# by libprotobuf, linked into these tests only), gzip through zlib and stored.
lcprof_unit_test(proto_wire_test proto_wire_test.cc)
target_link_libraries(proto_wire_test PRIVATE lcprof_proto)
lcprof_unit_test(pprof_encode_test pprof_encode_test.cc)
target_link_libraries(pprof_encode_test PRIVATE lcprof_proto)
lcprof_unit_test(gzip_writer_test gzip_writer_test.cc)
# Under ASan (lcprof_core_asan, tests/unit/libcall.cmake), whose dlopen
# interceptor forbids how libz.so.1 is opened: the stored path must be taken.
add_executable(gzip_writer_test_asan gzip_writer_test.cc)
target_link_libraries(gzip_writer_test_asan PRIVATE lcprof_core_asan GTest::gtest GTest::gtest_main)
gtest_discover_tests(gzip_writer_test_asan TEST_SUFFIX .asan DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 120)
lcprof_unit_test(profile_file_test profile_file_test.cc)
