# Programs for the libcall contract's end-to-end tests.
add_executable(libcall_handler libcall_handler.c)
target_compile_options(libcall_handler PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
target_link_libraries(libcall_handler PRIVATE Threads::Threads)
add_executable(libcall_sigprof libcall_sigprof.c)
target_compile_options(libcall_sigprof PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})

add_executable(libcall_transparency libcall_transparency.c)
target_compile_options(libcall_transparency PRIVATE -O1 -g -fno-omit-frame-pointer -Wall -Wextra)
target_link_libraries(libcall_transparency PRIVATE Threads::Threads)

# The fiber scheduler example from docs/, as users would build it.
add_executable(fibers ${CMAKE_SOURCE_DIR}/docs/examples/fibers.c)
target_compile_options(fibers PRIVATE -O2 -g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -Wall -Wextra -Werror)
target_link_libraries(fibers PRIVATE lcprof)

add_executable(libcall_callers libcall_callers.c)
target_compile_options(libcall_callers PRIVATE ${LCPROF_TEST_PROGRAM_FLAGS})
target_link_libraries(libcall_callers PRIVATE Threads::Threads)

# Built with the flags distributions build packages with: the wrapped calls
# reach libc through their fortified and large-file entry points.
add_executable(libcall_fortified libcall_fortified.c)
target_compile_options(libcall_fortified PRIVATE -O2 -g -fno-omit-frame-pointer
  -mno-omit-leaf-frame-pointer -D_FORTIFY_SOURCE=3 -D_FILE_OFFSET_BITS=64 -Wall -Wextra -Werror)
