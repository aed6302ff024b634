// Looking a symbol up in the C library's own dynamic symbol table, without
// dlsym: no allocation, no error state, no call to anything lcprof wraps.
// Used where dlsym cannot be (a wrapper reached from inside dlsym, whose
// failed lookups allocate, through an allocator that calls a wrapped
// function) and where the answer must be libc's own definition whatever
// else is preloaded (ASan, libfaketime, ... define libc names too).
#pragma once

#include <cstdint>

namespace lcprof::libcall {

// The address of libc.so.6's default-version definition of `name`, or
// nullptr. Takes the loader's lock (dl_iterate_phdr); not for signal handlers.
void* LookUpLibcSymbol(const char* name);

// The base address (load bias) of libc.so.6, 0 if not found. Same rules.
uintptr_t LibcLoadBase();

}  // namespace lcprof::libcall
