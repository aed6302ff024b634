# Programs for the gperftools drop-in and snapshot tests (gperftools_test).
# gperf_api and gperf_env_linked link liblcprof as gperftools programs link
# libprofiler; gperf_env is the same source as gperf_env_linked, for LD_PRELOAD.
add_executable(gperf_api gperf_api.c)
target_compile_options(gperf_api PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
target_link_libraries(gperf_api PRIVATE lcprof)

add_executable(gperf_env gperf_env.c)
target_compile_options(gperf_env PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})

add_executable(gperf_env_linked gperf_env.c)
target_compile_options(gperf_env_linked PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
# It calls nothing of liblcprof's: keep the library, as -lprofiler users do.
target_link_options(gperf_env_linked PRIVATE -Wl,--no-as-needed)
target_link_libraries(gperf_env_linked PRIVATE lcprof)

add_executable(snapshot_prog snapshot_prog.c)
target_compile_options(snapshot_prog PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
