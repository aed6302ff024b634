# Unwinders behind unwinder.h: frame pointers (unwind_fp), the module map
# (code_modules), CFI rows read lazily (cfi_reader) and cached
# (frame_rule_cache), the dlclose handshake (unload_guard), DWARF steps on
# LLVM libunwind (unwind_dwarf) and the dwarf/hybrid walk (unwind_walk).
# See docs/unwinding.md.
target_sources(lcprof_core PRIVATE
  profiler/unwinding/unwinder.cc
  profiler/unwinding/unwind_fp.cc
  profiler/unwinding/code_modules.cc
  profiler/unwinding/cfi_reader.cc
  profiler/unwinding/frame_rule_cache.cc
  profiler/unwinding/unload_guard.cc
  profiler/unwinding/unwind_dwarf.cc
  profiler/unwinding/unwind_walk.cc)

# LLVM libunwind, static and private: liblcprof.so links with
# --exclude-libs,ALL, so none of its unw_*/_Unwind_* symbols is exported and
# the program's own unwinder keeps handling C++ exceptions.
set(LCPROF_LIBUNWIND_DIR /usr/lib/llvm-16 CACHE PATH "LLVM install holding libunwind")
target_include_directories(lcprof_core SYSTEM PRIVATE ${LCPROF_LIBUNWIND_DIR}/include)
target_link_libraries(lcprof_core PRIVATE ${LCPROF_LIBUNWIND_DIR}/lib/libunwind.a)
# libunwind's fallback lookup (dl_iterate_phdr) takes the loader's lock; every
# image that links the core routes it through __wrap_dl_iterate_phdr
# (unwind_dwarf.cc), which refuses it inside a signal-context walk.
# --undefined pulls the wrapper's object out of the core archive before
# libunwind.a (which comes later on the link line) asks for it.
target_link_options(lcprof_core INTERFACE
  LINKER:--wrap=dl_iterate_phdr LINKER:--undefined=__wrap_dl_iterate_phdr)
