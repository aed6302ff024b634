# The gperftools drop-in (gperftools_test) and snapshots of running processes
# (snapshot_test); both read profiles back with libprotobuf.
add_library(profile_reader STATIC profile_reader.cc)
target_link_libraries(profile_reader PUBLIC lcprof_flags lcprof_proto)
foreach(name gperftools_test snapshot_test)
  lcprof_e2e_test(${name})
  target_link_libraries(${name} PRIVATE profile_reader)
  add_dependencies(${name} gperf_api gperf_env gperf_env_linked snapshot_prog)
  target_compile_definitions(${name} PRIVATE
    GPERF_API_PATH="$<TARGET_FILE:gperf_api>"
    GPERF_ENV_PATH="$<TARGET_FILE:gperf_env>"
    GPERF_ENV_LINKED_PATH="$<TARGET_FILE:gperf_env_linked>"
    SNAPSHOT_PROG_PATH="$<TARGET_FILE:snapshot_prog>")
endforeach()
