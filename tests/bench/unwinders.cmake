# Cost of one walk per unwind mode and stack depth (docs/unwinding.md).
add_executable(unwind_bench unwind_bench.cc)
target_link_libraries(unwind_bench PRIVATE lcprof_core benchmark::benchmark)
