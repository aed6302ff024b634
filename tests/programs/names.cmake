# Programs for the naming tests (tests/e2e/names_test.cc): a tiny JIT.
add_executable(jit_code jit_code.c)
target_compile_options(jit_code PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
