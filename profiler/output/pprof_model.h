// The pprof profile as plain structs: what the pprof writer (pprof_writer.h)
// builds and pprof_encode.h turns into protobuf bytes. One struct per message
// of proto/profile.proto, one member per field, with the same names and
// meanings: ids count from 1 (0 means none), every name is an index into
// string_table, and a field left at zero is absent from the encoded profile.
// Control path only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace lcprof::pprof {

struct ValueType {
  int64_t type = 0;  // string index
  int64_t unit = 0;  // string index
};

struct Label {
  int64_t key = 0;  // string index
  int64_t str = 0;  // string index; a label has a str or a num
  int64_t num = 0;
  int64_t num_unit = 0;  // string index
};

struct Sample {
  std::vector<uint64_t> location_id;  // leaf first
  std::vector<int64_t> value;         // one per ProfileModel::sample_type
  std::vector<Label> label;
};

struct Mapping {
  uint64_t id = 0;
  uint64_t memory_start = 0;
  uint64_t memory_limit = 0;
  uint64_t file_offset = 0;
  int64_t filename = 0;  // string index
  int64_t build_id = 0;  // string index
  bool has_functions = false;
  bool has_filenames = false;
  bool has_line_numbers = false;
  bool has_inline_frames = false;
};

struct Line {
  uint64_t function_id = 0;
  int64_t line = 0;
};

struct Location {
  uint64_t id = 0;
  uint64_t mapping_id = 0;
  uint64_t address = 0;
  std::vector<Line> line;  // the innermost inlined function first
  bool is_folded = false;
};

struct Function {
  uint64_t id = 0;
  int64_t name = 0;         // string index
  int64_t system_name = 0;  // string index
  int64_t filename = 0;     // string index
  int64_t start_line = 0;
};

struct ProfileModel {
  std::vector<ValueType> sample_type;
  std::vector<Sample> sample;
  std::vector<Mapping> mapping;
  std::vector<Location> location;
  std::vector<Function> function;
  std::vector<std::string> string_table;  // [0] is ""; StringTable keeps it so
  int64_t drop_frames = 0;                // string index
  int64_t keep_frames = 0;                // string index
  int64_t time_nanos = 0;
  int64_t duration_nanos = 0;
  ValueType period_type;  // {0, 0} stands for unset and is not encoded
  int64_t period = 0;
  std::vector<int64_t> comment;     // string indexes
  int64_t default_sample_type = 0;  // string index
};

// Fills a profile's string_table: Intern returns a string's index, appending
// it the first time it is seen, so each distinct string is stored once.
// Index 0 is "" from construction on, so an unset string field (0) reads as
// the empty string. The index holds positions in the table, not copies of
// the strings.
class StringTable {
 public:
  // `table` must be empty and outlive this object; only Intern may add to it.
  explicit StringTable(std::vector<std::string>* table);
  StringTable(const StringTable&) = delete;
  StringTable& operator=(const StringTable&) = delete;

  int64_t Intern(std::string_view s);

 private:
  // Hash and equality over positions in the table, also callable with a
  // string_view so that a lookup needs no std::string.
  struct Hash {
    using is_transparent = void;
    const std::vector<std::string>* table;
    size_t operator()(std::string_view s) const;
    size_t operator()(int64_t i) const;
  };
  struct Equal {
    using is_transparent = void;
    const std::vector<std::string>* table;
    std::string_view At(std::string_view s) const { return s; }
    std::string_view At(int64_t i) const { return (*table)[static_cast<size_t>(i)]; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return At(a) == At(b);
    }
  };

  std::vector<std::string>* table_;
  std::unordered_set<int64_t, Hash, Equal> index_;
};

}  // namespace lcprof::pprof
