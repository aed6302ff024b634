# Wrapper cost benchmark (docs/libcall.md).
add_executable(libcall_bench libcall_bench.cc)
target_compile_options(libcall_bench PRIVATE -O2 -fno-omit-frame-pointer)
target_link_libraries(libcall_bench PRIVATE lcprof benchmark::benchmark ${CMAKE_DL_LIBS})
