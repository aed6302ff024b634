// What the unwinders know about code: every loaded module's executable ranges
// and, from its .eh_frame_hdr, every function with unwind info, summarised
// (frame-pointer prologue? how its CFA is computed?). Built on the control path
// (ConfigureUnwinder) and read by the walkers in the SIGPROF handler
// (unwind_walk.cc); the handler never parses anything itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace lcprof {

// One function described by an FDE. Immutable once published.
struct CodeFunction {
  uintptr_t start = 0;
  uint32_t size = 0;
  // Bytes of the `[endbr64] push %rbp; mov %rsp,%rbp` prologue at `start`,
  // 0 when the function does not open with one (then its rbp says nothing).
  uint8_t fp_prologue = 0;
  // How the CFI computes the CFA over the whole function (unwind_dwarf.cc
  // uses it to bound what libunwind will read before letting it step).
  enum CfaKind : uint8_t {
    kCfaSpOrFp,   // only rsp+k or rbp+k (k <= max_cfa_offset)
    kCfaSignal,   // a signal trampoline ('S' augmentation): reads the sigframe
    kCfaComplex,  // another register or an expression: never stepped from
                  // registers we cannot vouch for
  };
  uint8_t cfa_kind = kCfaComplex;
  uint16_t max_cfa_offset = 0;  // largest k in a CFA rule (saturates)
  uintptr_t end() const { return start + size; }
};

enum class ModuleKind : uint8_t {
  kOrdinary,
  kLoader,  // the dynamic loader (ld-linux): DWARF is never used in it
  kVdso,
};

struct CodeModule {
  uintptr_t lo = 0, hi = 0;  // span of the executable segments
  ModuleKind kind = ModuleKind::kOrdinary;
  // Functions sorted by start, non-overlapping. Empty when the module has no
  // usable .eh_frame_hdr (then only frame pointers can walk through it).
  const CodeFunction* functions = nullptr;
  size_t function_count = 0;
  // bucket[i] = index of the first function whose end lies above
  // lo + i * kBucketBytes: a lookup scans from there (a few entries).
  const uint32_t* buckets = nullptr;
  size_t bucket_count = 0;
};

// Readable code: an executable PT_LOAD segment of a module.
struct CodeRange {
  uintptr_t lo = 0, hi = 0;
  uint32_t module = 0;  // index into CodeMap modules
};

// The snapshot of all modules loaded when it was built. Lookups are
// signal-safe (binary search over immutable arrays, no allocation).
class CodeMap {
 public:
  static constexpr uintptr_t kBucketBytes = 256;

  // Walks dl_iterate_phdr and parses every module's .eh_frame_hdr and FDEs.
  // Control path only (allocates, takes the loader's lock).
  static std::unique_ptr<CodeMap> Build();

  // The executable range holding `addr`, or nullptr. Signal-safe.
  const CodeRange* FindRange(uintptr_t addr) const;
  const CodeModule& Module(const CodeRange& r) const { return modules_[r.module]; }
  // The function whose FDE covers `addr`, or nullptr. Signal-safe.
  static const CodeFunction* FindFunction(const CodeModule& m, uintptr_t addr);

  size_t module_count() const { return modules_.size(); }
  size_t function_count() const;

 private:
  std::vector<CodeModule> modules_;
  std::vector<CodeRange> ranges_;  // sorted by lo, non-overlapping
  std::vector<std::vector<CodeFunction>> functions_;
  std::vector<std::vector<uint32_t>> buckets_;
  friend class CodeMapBuilder;
};

// The map the walkers use: set by ConfigureUnwinder before the handler is
// armed; a map once published is never freed (a handler may be reading it).
const CodeMap* CurrentCodeMap();
void PublishCodeMap(std::unique_ptr<CodeMap> map);

}  // namespace lcprof
