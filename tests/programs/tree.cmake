# Programs for the process-tree tests (tests/e2e/tree_test.cc): one source,
# three executables whose hot functions carry their own names.
foreach(member alpha beta gamma)
  add_executable(tree_${member} tree_member.c)
  target_compile_options(tree_${member} PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
  target_compile_definitions(tree_${member} PRIVATE MEMBER=${member})
endforeach()
