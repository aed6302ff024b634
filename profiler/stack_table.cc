// Sample aggregation; see stack_table.h.
#include "profiler/stack_table.h"

#include <fcntl.h>
#include <unistd.h>

namespace lcprof {
namespace {

std::string ReadThreadName(int32_t tid) {
  std::string path = "/proc/self/task/" + std::to_string(tid) + "/comm";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[64];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return "";
  std::string name(buf, static_cast<size_t>(n));
  while (!name.empty() && name.back() == '\n') name.pop_back();
  return name;
}

}  // namespace

size_t StackKeyHash::operator()(const StackKey& k) const {
  // FNV-1a over the words of the key.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
  };
  for (uintptr_t f : k.frames) mix(f);
  for (const auto& [index, fn] : k.marks) mix(index ^ (static_cast<uint64_t>(fn) << 8));
  mix(static_cast<uint32_t>(k.tid));
  mix(k.g);
  return static_cast<size_t>(h);
}

void StackTable::Add(const Sample& s) {
  StackKey key;
  key.frames.assign(s.frames, s.frames + s.depth);
  for (uint32_t i = 0; i < s.marks && i < static_cast<uint32_t>(kMaxLibcallMarks); ++i) {
    key.marks.emplace_back(s.mark[i].index, s.mark[i].fn);
  }
  key.tid = s.tid;
  key.g = s.g;
  if (s.tid != 0 && !thread_names_.count(s.tid)) thread_names_[s.tid] = ReadThreadName(s.tid);
  StackCounts& c = entries_[std::move(key)];
  c.samples += 1;
  c.cpu_nanos += s.cpu_nanos;
  total_samples_ += 1;
}

}  // namespace lcprof
