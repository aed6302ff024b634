// See profile_reader.h.
#include "tests/stress/profile_reader.h"

#include <fcntl.h>
#include <google/protobuf/io/gzip_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <unistd.h>

#include <unordered_map>

#include "proto/profile.pb.h"

namespace lcprof::stress {

DecodedProfile DecodeProfile(const std::string& path) {
  DecodedProfile out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    out.error = "cannot open " + path;
    return out;
  }
  perftools::profiles::Profile p;
  {
    google::protobuf::io::FileInputStream file(fd);
    google::protobuf::io::GzipInputStream gzip(&file);
    out.read = p.ParseFromZeroCopyStream(&gzip);
  }
  close(fd);
  if (!out.read) {
    out.error = path + " is not a gzipped pprof Profile";
    return out;
  }
  out.consistent = true;
  auto str = [&](int64_t i) -> std::string {
    if (i < 0 || i >= p.string_table_size()) {
      out.consistent = false;
      return "";
    }
    return p.string_table(static_cast<int>(i));
  };
  std::unordered_map<uint64_t, std::string> functions;
  for (const auto& f : p.function()) functions[f.id()] = str(f.name());
  std::unordered_map<uint64_t, std::vector<std::string>> locations;
  for (const auto& loc : p.location()) {
    auto& names = locations[loc.id()];
    for (const auto& line : loc.line()) {
      auto it = functions.find(line.function_id());
      if (it == functions.end()) {
        out.consistent = false;
        continue;
      }
      names.push_back(it->second);
    }
    if (loc.line_size() == 0) names.push_back("0x" + std::to_string(loc.address()));
  }
  for (const auto& s : p.sample()) {
    DecodedSample d;
    d.count = s.value_size() > 0 ? s.value(0) : 0;
    for (uint64_t id : s.location_id()) {
      auto it = locations.find(id);
      if (it == locations.end()) {
        out.consistent = false;
        continue;
      }
      d.frames.insert(d.frames.end(), it->second.begin(), it->second.end());
    }
    out.samples.push_back(std::move(d));
  }
  return out;
}

long long TotalSamples(const DecodedProfile& p) {
  long long n = 0;
  for (const auto& s : p.samples) n += s.count;
  return n;
}

long long SamplesWith(const DecodedProfile& p, const std::string& fn) {
  long long n = 0;
  for (const auto& s : p.samples) {
    for (const auto& f : s.frames) {
      if (f == fn) {
        n += s.count;
        break;
      }
    }
  }
  return n;
}

long long SamplesWithPrefix(const DecodedProfile& p, const std::string& prefix) {
  long long n = 0;
  for (const auto& s : p.samples) {
    for (const auto& f : s.frames) {
      if (f.rfind(prefix, 0) == 0) {
        n += s.count;
        break;
      }
    }
  }
  return n;
}

}  // namespace lcprof::stress
