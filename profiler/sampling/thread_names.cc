// The thread-name table; the protocol is specified above the class in thread_names.h.
#include "profiler/sampling/thread_names.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace lcprof {

ThreadNameTable::ThreadNameTable(size_t max_threads) {
  count_ = 1;
  while (count_ < 2 * (max_threads < 1 ? 1 : max_threads)) count_ <<= 1;
  bytes_ = count_ * sizeof(Slot);
  void* mem = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem != MAP_FAILED) slots_ = static_cast<Slot*>(mem);
}

ThreadNameTable::~ThreadNameTable() {
  if (slots_ != nullptr) munmap(slots_, bytes_);
}

void ThreadNameTable::Note(pid_t tid) {
  if (slots_ == nullptr || tid <= 0) return;
  size_t i = (static_cast<uint32_t>(tid) * 0x9e3779b1u) & (count_ - 1);
  for (uint32_t probe = 0; probe < kMaxProbes; ++probe, i = (i + 1) & (count_ - 1)) {
    Slot& s = slots_[i];
    std::atomic_ref<int32_t> owner(s.tid);
    int32_t seen = owner.load(std::memory_order_acquire);
    if (seen == 0 && owner.compare_exchange_strong(seen, tid, std::memory_order_acq_rel)) {
      // The raw system call: signal-safe, and the wrapper-free kernel entry.
      // The name is the calling thread's, which is why only `tid` notes `tid`.
      syscall(SYS_prctl, PR_GET_NAME, s.name, 0, 0, 0);
      s.name[sizeof s.name - 1] = '\0';
      std::atomic_ref<uint32_t>(s.named).store(1, std::memory_order_release);
      noted_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (seen == tid) return;
  }
}

std::unordered_map<int32_t, std::string> ThreadNameTable::Names() const {
  std::unordered_map<int32_t, std::string> names;
  const size_t noted = noted_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < count_ && slots_ != nullptr && names.size() < noted; ++i) {
    Slot& s = slots_[i];
    if (std::atomic_ref<uint32_t>(s.named).load(std::memory_order_acquire) == 1) {
      names.emplace(s.tid, std::string(s.name));
    }
  }
  return names;
}

void ThreadNameTable::Reset() {
  if (slots_ != nullptr) madvise(slots_, bytes_, MADV_DONTNEED);
  noted_.store(0, std::memory_order_relaxed);
}

}  // namespace lcprof
