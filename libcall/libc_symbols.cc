// libc's dynamic symbol table read in place; see libc_symbols.h.
//
// The module is found by its file name among the loaded objects, its
// symbols through DT_GNU_HASH (glibc has always been linked with it on
// x86-64), DT_SYMTAB, DT_STRTAB and DT_VERSYM. Of several versions of a
// name (pthread_cond_wait@GLIBC_2.2.5 and @@GLIBC_2.3.2) the default one is
// taken, as the linker and dlsym do: the one whose versym is not hidden.
#include "libcall/libc_symbols.h"

#include <elf.h>
#include <link.h>

#include <cstring>

namespace lcprof::libcall {
namespace {

struct LibcTables {
  uintptr_t base = 0;
  const uint32_t* gnu_hash = nullptr;
  const ElfW(Sym) * symtab = nullptr;
  const char* strtab = nullptr;
  const ElfW(Half) * versym = nullptr;
};

bool IsLibc(const char* path) {
  if (path == nullptr) return false;
  const char* slash = strrchr(path, '/');
  return strcmp(slash != nullptr ? slash + 1 : path, "libc.so.6") == 0;
}

// A dynamic entry's address: the loader relocates most of them in place,
// but not in every object (a read-only .dynamic); both are handled.
template <typename T>
const T* DynamicPointer(uintptr_t base, ElfW(Addr) value) {
  return reinterpret_cast<const T*>(value < base ? value + base : value);
}

int FindLibc(dl_phdr_info* info, size_t, void* data) {
  if (!IsLibc(info->dlpi_name)) return 0;
  auto* t = static_cast<LibcTables*>(data);
  t->base = info->dlpi_addr;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    if (info->dlpi_phdr[i].p_type != PT_DYNAMIC) continue;
    const auto* dyn =
        reinterpret_cast<const ElfW(Dyn)*>(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    for (; dyn->d_tag != DT_NULL; ++dyn) {
      switch (dyn->d_tag) {
        case DT_GNU_HASH:
          t->gnu_hash = DynamicPointer<uint32_t>(t->base, dyn->d_un.d_ptr);
          break;
        case DT_SYMTAB:
          t->symtab = DynamicPointer<ElfW(Sym)>(t->base, dyn->d_un.d_ptr);
          break;
        case DT_STRTAB:
          t->strtab = DynamicPointer<char>(t->base, dyn->d_un.d_ptr);
          break;
        case DT_VERSYM:
          t->versym = DynamicPointer<ElfW(Half)>(t->base, dyn->d_un.d_ptr);
          break;
        default:
          break;
      }
    }
  }
  return 1;
}

uint32_t GnuHash(const char* name) {
  uint32_t h = 5381;
  for (auto c = reinterpret_cast<const unsigned char*>(name); *c != '\0'; ++c) h = h * 33 + *c;
  return h;
}

}  // namespace

uintptr_t LibcLoadBase() {
  LibcTables t;
  dl_iterate_phdr(FindLibc, &t);
  return t.base;
}

void* LookUpLibcSymbol(const char* name) {
  LibcTables t;
  dl_iterate_phdr(FindLibc, &t);
  if (t.gnu_hash == nullptr || t.symtab == nullptr || t.strtab == nullptr) return nullptr;
  // DT_GNU_HASH: nbuckets, symoffset, bloom words, bloom shift, the bloom
  // filter (ElfW(Addr) words), buckets, then one chain word per symbol from
  // symoffset on, whose low bit ends a bucket's run.
  const uint32_t nbuckets = t.gnu_hash[0];
  const uint32_t symoffset = t.gnu_hash[1];
  const uint32_t bloom_words = t.gnu_hash[2];
  if (nbuckets == 0) return nullptr;
  const auto* buckets = reinterpret_cast<const uint32_t*>(
      reinterpret_cast<const ElfW(Addr)*>(t.gnu_hash + 4) + bloom_words);
  const uint32_t* chain = buckets + nbuckets;
  const uint32_t h = GnuHash(name);
  uint32_t index = buckets[h % nbuckets];
  if (index < symoffset) return nullptr;
  for (;; ++index) {
    const uint32_t link = chain[index - symoffset];
    const ElfW(Sym)& sym = t.symtab[index];
    const bool hidden_version = t.versym != nullptr && (t.versym[index] & 0x8000) != 0;
    if ((link | 1) == (h | 1) && sym.st_shndx != SHN_UNDEF && !hidden_version &&
        ELF64_ST_TYPE(sym.st_info) != STT_TLS && strcmp(t.strtab + sym.st_name, name) == 0) {
      const uintptr_t address = t.base + sym.st_value;
      if (ELF64_ST_TYPE(sym.st_info) == STT_GNU_IFUNC) {
        // A resolver (gettimeofday picks its vDSO or syscall variant): call
        // it as the loader does on x86-64, without arguments.
        return reinterpret_cast<void* (*)()>(address)();
      }
      return reinterpret_cast<void*>(address);
    }
    if ((link & 1) != 0) return nullptr;
  }
}

}  // namespace lcprof::libcall
