# The libcall contract's nesting tests, plain and under ASan/UBSan. The
# sanitized variant compiles lcprof's core and libcall sources again with the
# sanitizers on (whatever sources the stage lists contain).
lcprof_unit_test(libcall_nesting_test libcall_nesting_test.cc)

get_target_property(_lcprof_core_sources lcprof_core SOURCES)
get_target_property(_lcprof_core_includes lcprof_core INCLUDE_DIRECTORIES)
get_target_property(_lcprof_core_links lcprof_core LINK_LIBRARIES)
get_target_property(_lcprof_core_link_options lcprof_core INTERFACE_LINK_OPTIONS)
get_target_property(_lcprof_libcall_sources lcprof_libcall SOURCES)
set(_lcprof_asan_sources)
foreach(src IN LISTS _lcprof_core_sources _lcprof_libcall_sources)
  if(IS_ABSOLUTE "${src}")
    list(APPEND _lcprof_asan_sources "${src}")
  else()
    list(APPEND _lcprof_asan_sources "${CMAKE_SOURCE_DIR}/${src}")
  endif()
endforeach()
list(REMOVE_ITEM _lcprof_core_links lcprof_libcall)
add_library(lcprof_core_asan STATIC ${_lcprof_asan_sources})
if(_lcprof_core_includes)
  target_include_directories(lcprof_core_asan PUBLIC ${_lcprof_core_includes})
endif()
target_link_libraries(lcprof_core_asan PUBLIC ${_lcprof_core_links} ${CMAKE_DL_LIBS})
target_compile_options(lcprof_core_asan PUBLIC -fsanitize=address,undefined
                       -fno-sanitize-recover=undefined)
target_link_options(lcprof_core_asan PUBLIC -fsanitize=address,undefined)
if(_lcprof_core_link_options)
  target_link_options(lcprof_core_asan PUBLIC ${_lcprof_core_link_options})
endif()

add_executable(libcall_nesting_test_asan libcall_nesting_test.cc)
target_link_libraries(libcall_nesting_test_asan PRIVATE lcprof_core_asan GTest::gtest
                      GTest::gtest_main)
gtest_discover_tests(libcall_nesting_test_asan TEST_SUFFIX .asan DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 120)
