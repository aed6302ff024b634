# Unit tests of naming: demangling and perf maps (the symbolizer's JIT naming
# is in symbolizer_test).
lcprof_unit_test(demangle_test demangle_test.cc)
lcprof_unit_test(perf_map_test perf_map_test.cc)
