# A program whose own library defines libstdc++ and libprotobuf names
# (tests/e2e/isolation_test.cc).
add_library(isolation_names SHARED isolation_names.c)
target_compile_options(isolation_names PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
add_executable(isolation_prog isolation_prog.c)
target_compile_options(isolation_prog PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
target_link_libraries(isolation_prog PRIVATE isolation_names)
