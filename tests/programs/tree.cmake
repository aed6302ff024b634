# Programs for the process-tree tests (tests/e2e/tree_test.cc): one source,
# three executables whose hot functions carry their own names.
foreach(member alpha beta gamma)
  add_executable(tree_${member} tree_member.c)
  target_compile_options(tree_${member} PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
  target_compile_definitions(tree_${member} PRIVATE MEMBER=${member})
endforeach()

# Runs a command where perf_event_open fails, as in a container.
add_executable(no_perf_event no_perf_event.c)
target_compile_options(no_perf_event PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
