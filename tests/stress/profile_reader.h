// Reads a profile lcprof wrote (gzipped pprof) with libprotobuf, the
// reference decoder, into what the stress tests judge: each sample's count
// and its frames' function names, leaf first. Independent of lcprof's own
// encoder, so a malformed file fails here rather than being read the way it
// was written.
#pragma once

#include <string>
#include <vector>

namespace lcprof::stress {

struct DecodedSample {
  long long count = 0;
  std::vector<std::string> frames;  // leaf first; inlined frames expanded
};

struct DecodedProfile {
  bool read = false;  // the file exists, is gzip, and parses as a Profile
  std::string error;  // why not, when !read
  std::vector<DecodedSample> samples;
  // Every location's functions resolve, every string index is in range.
  bool consistent = false;
};

DecodedProfile DecodeProfile(const std::string& path);

long long TotalSamples(const DecodedProfile& p);
// Samples with `fn` anywhere in their stack.
long long SamplesWith(const DecodedProfile& p, const std::string& fn);
// Samples with a frame whose name starts with `prefix`.
long long SamplesWithPrefix(const DecodedProfile& p, const std::string& prefix);

}  // namespace lcprof::stress
