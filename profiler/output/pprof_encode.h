// The profile model (pprof_model.h) as protobuf bytes of
// perftools.profiles.Profile (proto/profile.proto), through proto_wire.h.
// The pprof writer (pprof_writer.h) gzips the result into the profile file.
// Control path only.
#pragma once

#include <string>

#include "profiler/output/pprof_model.h"

namespace lcprof::pprof {

// Fields go out in field-number order, zeros and empty lists omitted, so the
// bytes are those libprotobuf would produce for the same message. Ids and
// string indexes are written as they are: the model is not checked.
std::string EncodeProfile(const ProfileModel& profile);

}  // namespace lcprof::pprof
