# liblcprof.so's dependencies and exports, a program defining C++ runtime and
# protobuf names, and a profile written without zlib (issue 9).
find_program(LCPROF_READELF readelf REQUIRED)
find_program(LCPROF_NM nm REQUIRED)
lcprof_e2e_test(isolation_test)
target_link_libraries(isolation_test PRIVATE ${CMAKE_DL_LIBS})
target_compile_definitions(isolation_test PRIVATE
  READELF_PATH="${LCPROF_READELF}"
  NM_PATH="${LCPROF_NM}"
  ISOLATION_PROG_PATH="$<TARGET_FILE:isolation_prog>")
add_dependencies(isolation_test isolation_prog)
