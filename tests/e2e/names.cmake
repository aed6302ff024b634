# End-to-end tests of naming: JIT code named from perf maps (always), and real
# Rust and node programs (label `languages`, skipped when rustc or node is absent).
lcprof_e2e_test(names_test)
target_compile_definitions(names_test PRIVATE JIT_CODE_PATH="$<TARGET_FILE:jit_code>")
add_dependencies(names_test jit_code)

# One ctest per toolchain; each exits 77 (skipped) when its tool is absent.
add_executable(languages_test languages_test.cc)
target_link_libraries(languages_test PRIVATE e2e_util)
target_compile_definitions(languages_test PRIVATE
  RUST_NAMES_SOURCE="${CMAKE_SOURCE_DIR}/tests/programs/languages/rust_names.rs"
  NODE_NAMES_SCRIPT="${CMAKE_SOURCE_DIR}/tests/programs/languages/node_names.js")
add_dependencies(languages_test lcprof)
foreach(language rust node)
  add_test(NAME languages_${language} COMMAND languages_test ${language})
  set_tests_properties(languages_${language} PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS languages)
endforeach()
