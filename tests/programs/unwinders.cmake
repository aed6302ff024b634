# Programs for the unwinder tests (tests/e2e/unwind_*_test.cc).
# A library built without frame pointers, like libc.
add_library(unwind_nofp SHARED unwind_nofp.c)
target_compile_options(unwind_nofp PRIVATE -O2 -g -fomit-frame-pointer -Wall -Wextra -Werror)

add_executable(unwind_accuracy unwind_accuracy.c)
target_compile_options(unwind_accuracy PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
target_link_libraries(unwind_accuracy PRIVATE unwind_nofp)

add_executable(unwind_exceptions unwind_exceptions.cc)
target_compile_options(unwind_exceptions PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})

# A host and a plugin built without frame pointers, as Debian builds them; the
# host loads the plugin after start (tests/e2e/unwind_accuracy_test.cc).
add_library(unwind_plugin MODULE unwind_plugin.c)
target_compile_options(unwind_plugin PRIVATE -O2 -g -fomit-frame-pointer -Wall -Wextra -Werror)
add_executable(unwind_plugin_host unwind_plugin_host.c)
target_compile_options(unwind_plugin_host PRIVATE -O2 -g -fomit-frame-pointer -Wall -Wextra -Werror)
target_link_libraries(unwind_plugin_host PRIVATE ${CMAKE_DL_LIBS} Threads::Threads)
