// The protobuf wire format, write side only, as much of it as pprof needs:
// varints and length-delimited fields (strings, packed varints, nested
// messages). pprof_encode.cc writes the profile model (pprof_model.h) with
// it; gzip_writer.h compresses the bytes. Hand-written so that liblcprof.so
// does not load libprotobuf into every program it profiles
// (docs/architecture.md, "Linking"). Control path only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace lcprof::proto_wire {

// The two wire types pprof uses; fixed32/fixed64 and groups never occur.
enum class WireType : uint8_t { kVarint = 0, kLengthDelimited = 2 };

// The number of bytes `value` takes as a base-128 varint (1 to 10).
size_t VarintSize(uint64_t value);

// Appends fields to a byte string. Fields go out in the order written;
// libprotobuf writes a message's fields in field-number order, and callers
// that follow the same order produce the bytes libprotobuf would.
//
// Signed values (int64) are written as the two's complement uint64, as the
// int64 wire type requires (a negative number takes 10 bytes); zigzag
// (sint64) is not used by profile.proto.
class ProtoWriter {
 public:
  // `out` must outlive the writer; bytes are appended to what it holds.
  explicit ProtoWriter(std::string* out) : out_(out) {}

  // A varint field, always written (repeated non-packed values, or when the
  // zero must be on the wire).
  void Varint(uint32_t field, uint64_t value);
  void Int64(uint32_t field, int64_t value) { Varint(field, static_cast<uint64_t>(value)); }
  void Bool(uint32_t field, bool value) { Varint(field, value ? 1 : 0); }

  // A proto3 singular field without presence: omitted when zero, as
  // libprotobuf does (a reader sees the default either way).
  void ImplicitVarint(uint32_t field, uint64_t value) {
    if (value != 0) Varint(field, value);
  }
  void ImplicitInt64(uint32_t field, int64_t value) {
    ImplicitVarint(field, static_cast<uint64_t>(value));
  }
  void ImplicitBool(uint32_t field, bool value) { ImplicitVarint(field, value ? 1 : 0); }

  // A length-delimited field holding raw bytes (string or bytes); always
  // written, an empty string included (a repeated string's "" counts).
  void Bytes(uint32_t field, std::string_view bytes);

  // A packed repeated varint field: one tag, the byte length, the values.
  // Omitted when empty, as libprotobuf does.
  void PackedVarints(uint32_t field, std::span<const uint64_t> values);
  void PackedVarints(uint32_t field, std::span<const int64_t> values);

  // A nested message: BeginMessage writes the tag and returns a token;
  // fields written until EndMessage(token) form the message's body, and
  // EndMessage puts the body's length in front of it. Messages nest: the
  // innermost open message must be ended first.
  //
  // One byte is reserved for the length, which fits bodies under 128 bytes
  // (most lines, labels, functions); a longer body is moved right by the
  // extra length bytes, a copy of the body alone, never of what precedes it.
  [[nodiscard]] size_t BeginMessage(uint32_t field);
  void EndMessage(size_t token);

 private:
  void Tag(uint32_t field, WireType type);
  void RawVarint(uint64_t value);
  template <typename T>
  void Packed(uint32_t field, std::span<const T> values);

  std::string* out_;
};

}  // namespace lcprof::proto_wire
