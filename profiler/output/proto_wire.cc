// Writing protobuf wire format; see proto_wire.h.
#include "profiler/output/proto_wire.h"

#include <bit>
#include <cstring>

namespace lcprof::proto_wire {
namespace {

constexpr size_t kMaxVarintBytes = 10;  // 64 bits, 7 per byte

// Base-128, least significant group first, the high bit of every byte but the
// last set. Returns the number of bytes written to `dst` (room for
// kMaxVarintBytes).
size_t EncodeVarint(uint64_t value, char* dst) {
  size_t n = 0;
  while (value >= 0x80) {
    dst[n++] = static_cast<char>(static_cast<uint8_t>(value) | 0x80);
    value >>= 7;
  }
  dst[n++] = static_cast<char>(value);
  return n;
}

}  // namespace

size_t VarintSize(uint64_t value) {
  return (static_cast<size_t>(std::bit_width(value | 1)) + 6) / 7;
}

void ProtoWriter::RawVarint(uint64_t value) {
  char buf[kMaxVarintBytes];
  out_->append(buf, EncodeVarint(value, buf));
}

void ProtoWriter::Tag(uint32_t field, WireType type) {
  RawVarint((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(type));
}

void ProtoWriter::Varint(uint32_t field, uint64_t value) {
  Tag(field, WireType::kVarint);
  RawVarint(value);
}

void ProtoWriter::Bytes(uint32_t field, std::string_view bytes) {
  Tag(field, WireType::kLengthDelimited);
  RawVarint(bytes.size());
  out_->append(bytes);
}

template <typename T>
void ProtoWriter::Packed(uint32_t field, std::span<const T> values) {
  if (values.empty()) return;
  // The length comes first, so the values are sized before they are written.
  size_t length = 0;
  for (T v : values) length += VarintSize(static_cast<uint64_t>(v));
  Tag(field, WireType::kLengthDelimited);
  RawVarint(length);
  // Sized exactly, so the values are encoded in place, with no append each.
  size_t at = out_->size();
  out_->resize(at + length);
  for (T v : values) at += EncodeVarint(static_cast<uint64_t>(v), out_->data() + at);
}

void ProtoWriter::PackedVarints(uint32_t field, std::span<const uint64_t> values) {
  Packed(field, values);
}

void ProtoWriter::PackedVarints(uint32_t field, std::span<const int64_t> values) {
  Packed(field, values);
}

size_t ProtoWriter::BeginMessage(uint32_t field) {
  Tag(field, WireType::kLengthDelimited);
  size_t token = out_->size();
  out_->push_back('\0');  // the length's first byte, filled in by EndMessage
  return token;
}

void ProtoWriter::EndMessage(size_t token) {
  const size_t body = token + 1;
  const size_t length = out_->size() - body;
  const size_t length_bytes = VarintSize(length);
  if (length_bytes > 1) {
    // The reserved byte is too small: make room in front of the body.
    out_->resize(out_->size() + length_bytes - 1);
    std::memmove(out_->data() + token + length_bytes, out_->data() + body, length);
  }
  EncodeVarint(length, out_->data() + token);
}

}  // namespace lcprof::proto_wire
