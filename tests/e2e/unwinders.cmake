# End-to-end tests of the unwinders: caller shares against measured truth per
# mode, exact chains, exceptions and exported symbols under LD_PRELOAD.
lcprof_e2e_test(unwind_accuracy_test SERIAL)
target_compile_definitions(unwind_accuracy_test PRIVATE
  UNWIND_ACCURACY_PATH="$<TARGET_FILE:unwind_accuracy>"
  UNWIND_EXCEPTIONS_PATH="$<TARGET_FILE:unwind_exceptions>"
  UNWIND_PLUGIN_HOST_PATH="$<TARGET_FILE:unwind_plugin_host>"
  UNWIND_PLUGIN_PATH="$<TARGET_FILE:unwind_plugin>")
add_dependencies(unwind_accuracy_test unwind_accuracy unwind_exceptions unwind_plugin_host
  unwind_plugin)
