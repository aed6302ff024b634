# Names as each language's users read them (docs/pprof-output.md, "Names"):
# demangling through libiberty (C++, Rust legacy and v0, D) and JIT code named
# from the runtime's perf map.
target_sources(lcprof_core PRIVATE
  profiler/output/demangle.cc
  profiler/output/perf_map.cc)

# libiberty from Debian's libiberty-dev: a static archive of PIC objects, so it
# links into liblcprof.so, where --exclude-libs,ALL keeps its names hidden.
find_path(LCPROF_LIBIBERTY_INCLUDE_DIR libiberty/demangle.h REQUIRED)
find_library(LCPROF_LIBIBERTY_LIBRARY NAMES libiberty.a REQUIRED)
target_include_directories(lcprof_core SYSTEM PRIVATE ${LCPROF_LIBIBERTY_INCLUDE_DIR})
target_link_libraries(lcprof_core PRIVATE ${LCPROF_LIBIBERTY_LIBRARY})
