# Unit tests of naming: demangling and perf maps (the symbolizer's JIT naming
# is in symbolizer_test).
lcprof_unit_test(demangle_test demangle_test.cc)
lcprof_unit_test(perf_map_test perf_map_test.cc)
lcprof_unit_test(unloaded_modules_test unloaded_modules_test.cc)
target_compile_definitions(unloaded_modules_test PRIVATE LINES_PLUGIN_PATH="$<TARGET_FILE:lines_plugin>")
add_dependencies(unloaded_modules_test lines_plugin)
lcprof_unit_test(line_reading_test line_reading_test.cc)
target_compile_definitions(line_reading_test PRIVATE
  LINES_PLUGIN_PATH="$<TARGET_FILE:lines_plugin>"
  LINES_PLUGIN_GZ_PATH="$<TARGET_FILE:lines_plugin_gz>"
  LINES_PLUGIN_NODEBUG_PATH="$<TARGET_FILE:lines_plugin_nodebug>")
add_dependencies(line_reading_test lines_plugin lines_plugin_gz lines_plugin_nodebug)
