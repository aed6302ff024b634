# Profile-writing cost (docs/pprof-output.md).
add_executable(pprof_bench pprof_bench.cc)
target_link_libraries(pprof_bench PRIVATE lcprof_core benchmark::benchmark ${CMAKE_DL_LIBS})
