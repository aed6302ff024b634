# file:line with no pprof flags, and names of unloaded libraries
# (docs/pprof-output.md, "File and line", "Unloaded libraries").
lcprof_e2e_test(lines_test)
target_compile_definitions(lines_test PRIVATE
  LINES_HOST_PATH="$<TARGET_FILE:lines_host>"
  LINES_PLUGIN_PATH="$<TARGET_FILE:lines_plugin>"
  LINES_SOURCE_DIR="${CMAKE_SOURCE_DIR}/tests/programs")
add_dependencies(lines_test lines_host lines_plugin)
