# `lcprof record` of a process tree: one merged, labelled profile.
lcprof_e2e_test(tree_test)
target_compile_definitions(tree_test PRIVATE
  TREE_ALPHA_PATH="$<TARGET_FILE:tree_alpha>"
  TREE_BETA_PATH="$<TARGET_FILE:tree_beta>"
  TREE_GAMMA_PATH="$<TARGET_FILE:tree_gamma>"
  NO_PERF_EVENT_PATH="$<TARGET_FILE:no_perf_event>")
add_dependencies(tree_test tree_alpha tree_beta tree_gamma no_perf_event)

target_sources(tree_test PRIVATE ${CMAKE_SOURCE_DIR}/tools/tree_profiles.cc
  ${CMAKE_SOURCE_DIR}/tools/profile_merge.cc)
target_link_libraries(tree_test PRIVATE lcprof_proto)
