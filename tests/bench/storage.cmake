# The sample storage (docs/usage.md, "Memory"): resident memory per number of
# distinct stacks, and the cost of one StackTable::Add.
add_executable(stack_table_memory stack_table_memory.cc)
target_link_libraries(stack_table_memory PRIVATE lcprof_core)
add_executable(stack_table_bench stack_table_bench.cc)
target_link_libraries(stack_table_bench PRIVATE lcprof_core benchmark::benchmark)
