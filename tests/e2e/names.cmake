# End-to-end tests of naming: JIT code named from perf maps.
lcprof_e2e_test(names_test)
target_compile_definitions(names_test PRIVATE JIT_CODE_PATH="$<TARGET_FILE:jit_code>")
add_dependencies(names_test jit_code)
