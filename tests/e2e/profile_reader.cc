// See profile_reader.h.
#include "tests/e2e/profile_reader.h"

#include <fcntl.h>
#include <google/protobuf/io/gzip_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <unistd.h>

#include <map>

#include "proto/profile.pb.h"

namespace lcprof::e2e {

DecodedProfile DecodeProfile(const std::string& path) {
  DecodedProfile out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  perftools::profiles::Profile p;
  {
    google::protobuf::io::FileInputStream file(fd);
    google::protobuf::io::GzipInputStream gzip(&file, google::protobuf::io::GzipInputStream::GZIP);
    out.ok = p.ParseFromZeroCopyStream(&gzip);
  }
  close(fd);
  if (!out.ok) return out;
  out.time_nanos = p.time_nanos();
  out.duration_nanos = p.duration_nanos();
  out.period = p.period();
  std::map<uint64_t, std::string> function_names;
  for (const auto& f : p.function()) function_names[f.id()] = p.string_table(f.name());
  std::map<uint64_t, std::vector<std::string>> location_names;
  for (const auto& l : p.location()) {
    for (const auto& line : l.line())
      location_names[l.id()].push_back(function_names[line.function_id()]);
  }
  for (const auto& s : p.sample()) {
    std::vector<std::string> stack;
    for (uint64_t id : s.location_id()) {
      for (const std::string& name : location_names[id]) stack.push_back(name);
    }
    const int64_t n = s.value_size() > 0 ? s.value(0) : 0;
    out.samples += n;
    out.functions.insert(stack.begin(), stack.end());
    out.stacks.emplace_back(n, std::move(stack));
  }
  for (int64_t c : p.comment()) out.comments.push_back(p.string_table(static_cast<int>(c)));
  return out;
}

int64_t DecodedProfile::SamplesIn(const std::string& fn) const {
  int64_t n = 0;
  for (const auto& [count, stack] : stacks) {
    for (const std::string& f : stack) {
      if (f == fn) {
        n += count;
        break;
      }
    }
  }
  return n;
}

bool HasComment(const DecodedProfile& p, const std::string& text) {
  for (const std::string& c : p.comments) {
    if (c.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace lcprof::e2e
