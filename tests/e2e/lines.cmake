# file:line with no pprof flags, and names of unloaded libraries
# (docs/pprof-output.md, "File and line", "Unloaded libraries").
# One ctest; exits 77 (skipped) when `go` is absent.
add_executable(lines_test lines_test.cc)
target_link_libraries(lines_test PRIVATE e2e_util)
add_dependencies(lines_test lcprof)
add_test(NAME lines COMMAND lines_test)
set_tests_properties(lines PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS e2e)
target_compile_definitions(lines_test PRIVATE
  LINES_HOST_PATH="$<TARGET_FILE:lines_host>"
  LINES_PLUGIN_PATH="$<TARGET_FILE:lines_plugin>"
  LINES_SOURCE_DIR="${CMAKE_SOURCE_DIR}/tests/programs")
add_dependencies(lines_test lines_host lines_plugin lcprof_cli)
