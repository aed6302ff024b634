# Programs for tests/e2e/lines_test.cc: a PIE host and a library it loads and
# unloads, both with -g (file:line from pprof's symbolizer, names after unload).
add_library(lines_plugin MODULE lines_plugin.c)
target_compile_options(lines_plugin PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
add_executable(lines_host lines_host.c)
target_compile_options(lines_host PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS} -fPIE)
target_link_options(lines_host PRIVATE -pie)
target_link_libraries(lines_host PRIVATE ${CMAKE_DL_LIBS})
# The same library with compressed debug sections (-gz, as Debian's -dbg
# packages ship them) and with none: what the symbolizer decides to read.
add_library(lines_plugin_gz MODULE lines_plugin.c)
target_compile_options(lines_plugin_gz PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS} -gz=zlib)
target_link_options(lines_plugin_gz PRIVATE -gz=zlib)
add_library(lines_plugin_nodebug MODULE lines_plugin.c)
target_compile_options(lines_plugin_nodebug PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS} -g0)
