// Reads a profile lcprof wrote with libprotobuf (the generated classes of
// proto/profile.proto), as a gperftools user's own tooling would: gzipped
// pprof protobuf, decoded without `go tool pprof`.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace lcprof::e2e {

struct DecodedProfile {
  bool ok = false;  // the file exists and decoded as gzipped pprof
  int64_t time_nanos = 0;
  int64_t duration_nanos = 0;
  int64_t period = 0;
  int64_t samples = 0;              // sum of the first value over samples
  std::set<std::string> functions;  // every function a sample's stack names
  std::vector<std::string> comments;
  // Samples whose stack names `fn`.
  int64_t SamplesIn(const std::string& fn) const;
  std::vector<std::pair<int64_t, std::vector<std::string>>> stacks;  // (samples, leaf first)
};

DecodedProfile DecodeProfile(const std::string& path);

// True when some comment contains `text`.
bool HasComment(const DecodedProfile& p, const std::string& text);

}  // namespace lcprof::e2e
