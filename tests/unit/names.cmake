# Unit tests of naming: demangling.
lcprof_unit_test(demangle_test demangle_test.cc)
