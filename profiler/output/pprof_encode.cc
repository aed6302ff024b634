// Encoding the profile model; see pprof_encode.h. Each function writes one
// message of proto/profile.proto, its fields in field-number order; the
// numbers are those of proto/profile.proto.
#include "profiler/output/pprof_encode.h"

#include <span>

#include "profiler/output/proto_wire.h"

namespace lcprof::pprof {
namespace {

using proto_wire::ProtoWriter;

void WriteValueType(ProtoWriter& w, uint32_t field, const ValueType& v) {
  size_t m = w.BeginMessage(field);
  w.ImplicitInt64(1, v.type);
  w.ImplicitInt64(2, v.unit);
  w.EndMessage(m);
}

void WriteLabel(ProtoWriter& w, const Label& l) {
  size_t m = w.BeginMessage(3);  // Sample.label
  w.ImplicitInt64(1, l.key);
  w.ImplicitInt64(2, l.str);
  w.ImplicitInt64(3, l.num);
  w.ImplicitInt64(4, l.num_unit);
  w.EndMessage(m);
}

void WriteSample(ProtoWriter& w, const Sample& s) {
  size_t m = w.BeginMessage(2);  // Profile.sample
  w.PackedVarints(1, std::span<const uint64_t>(s.location_id));
  w.PackedVarints(2, std::span<const int64_t>(s.value));
  for (const Label& l : s.label) WriteLabel(w, l);
  w.EndMessage(m);
}

void WriteMapping(ProtoWriter& w, const Mapping& p) {
  size_t m = w.BeginMessage(3);  // Profile.mapping
  w.ImplicitVarint(1, p.id);
  w.ImplicitVarint(2, p.memory_start);
  w.ImplicitVarint(3, p.memory_limit);
  w.ImplicitVarint(4, p.file_offset);
  w.ImplicitInt64(5, p.filename);
  w.ImplicitInt64(6, p.build_id);
  w.ImplicitBool(7, p.has_functions);
  w.ImplicitBool(8, p.has_filenames);
  w.ImplicitBool(9, p.has_line_numbers);
  w.ImplicitBool(10, p.has_inline_frames);
  w.EndMessage(m);
}

void WriteLocation(ProtoWriter& w, const Location& l) {
  size_t m = w.BeginMessage(4);  // Profile.location
  w.ImplicitVarint(1, l.id);
  w.ImplicitVarint(2, l.mapping_id);
  w.ImplicitVarint(3, l.address);
  for (const Line& line : l.line) {
    size_t n = w.BeginMessage(4);  // Location.line
    w.ImplicitVarint(1, line.function_id);
    w.ImplicitInt64(2, line.line);
    w.EndMessage(n);
  }
  w.ImplicitBool(5, l.is_folded);
  w.EndMessage(m);
}

void WriteFunction(ProtoWriter& w, const Function& f) {
  size_t m = w.BeginMessage(5);  // Profile.function
  w.ImplicitVarint(1, f.id);
  w.ImplicitInt64(2, f.name);
  w.ImplicitInt64(3, f.system_name);
  w.ImplicitInt64(4, f.filename);
  w.ImplicitInt64(5, f.start_line);
  w.EndMessage(m);
}

}  // namespace

std::string EncodeProfile(const ProfileModel& p) {
  std::string out;
  ProtoWriter w(&out);
  for (const ValueType& v : p.sample_type) WriteValueType(w, 1, v);
  for (const Sample& s : p.sample) WriteSample(w, s);
  for (const Mapping& m : p.mapping) WriteMapping(w, m);
  for (const Location& l : p.location) WriteLocation(w, l);
  for (const Function& f : p.function) WriteFunction(w, f);
  for (const std::string& s : p.string_table) w.Bytes(6, s);
  w.ImplicitInt64(7, p.drop_frames);
  w.ImplicitInt64(8, p.keep_frames);
  w.ImplicitInt64(9, p.time_nanos);
  w.ImplicitInt64(10, p.duration_nanos);
  if (p.period_type.type != 0 || p.period_type.unit != 0) WriteValueType(w, 11, p.period_type);
  w.ImplicitInt64(12, p.period);
  w.PackedVarints(13, std::span<const int64_t>(p.comment));
  w.ImplicitInt64(14, p.default_sample_type);
  return out;
}

}  // namespace lcprof::pprof
