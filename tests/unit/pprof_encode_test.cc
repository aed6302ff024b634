// The profile model's encoder (pprof_encode.h) and string table
// (pprof_model.h): a model with every field of every message set decodes
// through libprotobuf to the same values, the bytes are the ones libprotobuf
// itself writes for that message, and zeros are left out.
#include "profiler/output/pprof_encode.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "profiler/output/pprof_model.h"
#include "proto/profile.pb.h"

namespace lcprof::pprof {
namespace {

namespace pb = perftools::profiles;

// Every field distinct and nonzero (so a field written under the wrong number
// shows), with negative int64s and values past 32 bits.
ProfileModel FullModel() {
  ProfileModel p;
  StringTable strings(&p.string_table);
  p.sample_type.push_back({.type = strings.Intern("samples"), .unit = strings.Intern("count")});
  p.sample_type.push_back({.type = strings.Intern("cpu"), .unit = strings.Intern("nanoseconds")});
  p.sample.push_back({.location_id = {1, 2, 300},
                      .value = {5, -6000000000},
                      .label = {{.key = strings.Intern("thread_id"), .num = 77},
                                {.key = strings.Intern("thread_name"),
                                 .str = strings.Intern("worker"),
                                 .num = -3,
                                 .num_unit = strings.Intern("bytes")}}});
  p.sample.push_back({.location_id = {2}, .value = {1, 2}, .label = {}});
  p.mapping.push_back({.id = 1,
                       .memory_start = 0x55550000,
                       .memory_limit = 0x7fff00001000,
                       .file_offset = 0x1000,
                       .filename = strings.Intern("/bin/prog"),
                       .build_id = strings.Intern("abcdef"),
                       .has_functions = true,
                       .has_filenames = true,
                       .has_line_numbers = true,
                       .has_inline_frames = true});
  p.mapping.push_back({.id = 2, .memory_start = 1, .memory_limit = 2, .has_functions = true});
  p.location.push_back({.id = 1,
                        .mapping_id = 1,
                        .address = 0x55551234,
                        .line = {{.function_id = 1, .line = 10}, {.function_id = 2, .line = -1}},
                        .is_folded = true});
  p.location.push_back({.id = 2, .mapping_id = 2, .address = 1, .line = {{.function_id = 2}}});
  p.location.push_back({.id = 300, .line = {}});
  p.function.push_back({.id = 1,
                        .name = strings.Intern("ns::f(int)"),
                        .system_name = strings.Intern("_ZN2ns1fEi"),
                        .filename = strings.Intern("f.cc"),
                        .start_line = 7});
  p.function.push_back({.id = 2, .name = strings.Intern("main")});
  p.drop_frames = strings.Intern("drop.*");
  p.keep_frames = strings.Intern("keep.*");
  p.time_nanos = 1700000000123456789;
  p.duration_nanos = 2500000000;
  p.period_type = {.type = strings.Intern("cpu"), .unit = strings.Intern("nanoseconds")};
  p.period = 10000000;
  p.comment = {strings.Intern("first"), strings.Intern("second")};
  p.default_sample_type = strings.Intern("cpu");
  return p;
}

TEST(PprofEncodeTest, EveryFieldRoundTrips) {
  const ProfileModel m = FullModel();
  pb::Profile p;
  ASSERT_TRUE(p.ParseFromString(EncodeProfile(m)));

  ASSERT_EQ(p.string_table_size(), static_cast<int>(m.string_table.size()));
  for (size_t i = 0; i < m.string_table.size(); ++i) {
    EXPECT_EQ(p.string_table(static_cast<int>(i)), m.string_table[i]);
  }
  ASSERT_EQ(p.sample_type_size(), 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(p.sample_type(i).type(), m.sample_type[static_cast<size_t>(i)].type);
    EXPECT_EQ(p.sample_type(i).unit(), m.sample_type[static_cast<size_t>(i)].unit);
  }

  ASSERT_EQ(p.sample_size(), 2);
  for (int i = 0; i < 2; ++i) {
    const Sample& want = m.sample[static_cast<size_t>(i)];
    const pb::Sample& got = p.sample(i);
    EXPECT_EQ(std::vector<uint64_t>(got.location_id().begin(), got.location_id().end()),
              want.location_id);
    EXPECT_EQ(std::vector<int64_t>(got.value().begin(), got.value().end()), want.value);
    ASSERT_EQ(got.label_size(), static_cast<int>(want.label.size()));
    for (int j = 0; j < got.label_size(); ++j) {
      const Label& l = want.label[static_cast<size_t>(j)];
      EXPECT_EQ(got.label(j).key(), l.key);
      EXPECT_EQ(got.label(j).str(), l.str);
      EXPECT_EQ(got.label(j).num(), l.num);
      EXPECT_EQ(got.label(j).num_unit(), l.num_unit);
    }
  }

  ASSERT_EQ(p.mapping_size(), 2);
  for (int i = 0; i < 2; ++i) {
    const Mapping& want = m.mapping[static_cast<size_t>(i)];
    const pb::Mapping& got = p.mapping(i);
    EXPECT_EQ(got.id(), want.id);
    EXPECT_EQ(got.memory_start(), want.memory_start);
    EXPECT_EQ(got.memory_limit(), want.memory_limit);
    EXPECT_EQ(got.file_offset(), want.file_offset);
    EXPECT_EQ(got.filename(), want.filename);
    EXPECT_EQ(got.build_id(), want.build_id);
    EXPECT_EQ(got.has_functions(), want.has_functions);
    EXPECT_EQ(got.has_filenames(), want.has_filenames);
    EXPECT_EQ(got.has_line_numbers(), want.has_line_numbers);
    EXPECT_EQ(got.has_inline_frames(), want.has_inline_frames);
  }

  ASSERT_EQ(p.location_size(), 3);
  for (int i = 0; i < 3; ++i) {
    const Location& want = m.location[static_cast<size_t>(i)];
    const pb::Location& got = p.location(i);
    EXPECT_EQ(got.id(), want.id);
    EXPECT_EQ(got.mapping_id(), want.mapping_id);
    EXPECT_EQ(got.address(), want.address);
    EXPECT_EQ(got.is_folded(), want.is_folded);
    ASSERT_EQ(got.line_size(), static_cast<int>(want.line.size()));
    for (int j = 0; j < got.line_size(); ++j) {
      EXPECT_EQ(got.line(j).function_id(), want.line[static_cast<size_t>(j)].function_id);
      EXPECT_EQ(got.line(j).line(), want.line[static_cast<size_t>(j)].line);
    }
  }

  ASSERT_EQ(p.function_size(), 2);
  for (int i = 0; i < 2; ++i) {
    const Function& want = m.function[static_cast<size_t>(i)];
    const pb::Function& got = p.function(i);
    EXPECT_EQ(got.id(), want.id);
    EXPECT_EQ(got.name(), want.name);
    EXPECT_EQ(got.system_name(), want.system_name);
    EXPECT_EQ(got.filename(), want.filename);
    EXPECT_EQ(got.start_line(), want.start_line);
  }

  EXPECT_EQ(p.drop_frames(), m.drop_frames);
  EXPECT_EQ(p.keep_frames(), m.keep_frames);
  EXPECT_EQ(p.time_nanos(), m.time_nanos);
  EXPECT_EQ(p.duration_nanos(), m.duration_nanos);
  ASSERT_TRUE(p.has_period_type());
  EXPECT_EQ(p.period_type().type(), m.period_type.type);
  EXPECT_EQ(p.period_type().unit(), m.period_type.unit);
  EXPECT_EQ(p.period(), m.period);
  EXPECT_EQ(std::vector<int64_t>(p.comment().begin(), p.comment().end()), m.comment);
  EXPECT_EQ(p.default_sample_type(), m.default_sample_type);
  // Nothing was read as an unknown field (a wrong number or wire type).
  EXPECT_EQ(p.ByteSizeLong(), EncodeProfile(m).size());
}

// Same order, same omissions, same packing: libprotobuf, given the message
// we wrote, writes it back byte for byte.
TEST(PprofEncodeTest, BytesAreThoseLibprotobufWrites) {
  const std::string ours = EncodeProfile(FullModel());
  pb::Profile p;
  ASSERT_TRUE(p.ParseFromString(ours));
  EXPECT_EQ(p.SerializeAsString(), ours);
}

TEST(PprofEncodeTest, ZeroFieldsAreLeftOut) {
  EXPECT_EQ(EncodeProfile(ProfileModel{}), "");
  ProfileModel m;
  m.mapping.push_back({.id = 1});
  m.location.push_back({});
  m.sample.push_back({});
  // A mapping with only its id, an empty location, an empty sample.
  EXPECT_EQ(EncodeProfile(m), std::string("\x12\x00\x1a\x02\x08\x01\x22\x00", 8));
  // The string table keeps its leading "" even though it is empty.
  StringTable strings(&m.string_table);
  pb::Profile p;
  ASSERT_TRUE(p.ParseFromString(EncodeProfile(m)));
  ASSERT_EQ(p.string_table_size(), 1);
  EXPECT_FALSE(p.has_period_type());
}

TEST(StringTableTest, InternsEachStringOnceWithEmptyFirst) {
  std::vector<std::string> table;
  StringTable strings(&table);
  ASSERT_EQ(table.size(), 1u);
  EXPECT_EQ(table[0], "");
  EXPECT_EQ(strings.Intern(""), 0);
  EXPECT_EQ(strings.Intern("a"), 1);
  EXPECT_EQ(strings.Intern("b"), 2);
  EXPECT_EQ(strings.Intern("a"), 1);
  EXPECT_EQ(strings.Intern(std::string("a\0b", 3)), 3);  // not the C string "a"
  EXPECT_EQ(strings.Intern(std::string("a\0b", 3)), 3);
  EXPECT_EQ(table, (std::vector<std::string>{"", "a", "b", std::string("a\0b", 3)}));
}

// Many strings, short (inline in std::string) and long: the index keeps
// positions, so the table growing and moving its strings changes nothing.
TEST(StringTableTest, ManyStringsKeepTheirIndexes) {
  std::vector<std::string> table;
  StringTable strings(&table);
  constexpr int kCount = 20000;
  for (int i = 0; i < kCount; ++i) {
    std::string s = std::to_string(i);
    if (i % 2) s += std::string(40, 'x');
    EXPECT_EQ(strings.Intern(s), i + 1);
  }
  for (int i = kCount - 1; i >= 0; --i) {
    std::string s = std::to_string(i);
    if (i % 2) s += std::string(40, 'x');
    ASSERT_EQ(strings.Intern(s), i + 1);
  }
  EXPECT_EQ(table.size(), static_cast<size_t>(kCount) + 1);
}

}  // namespace
}  // namespace lcprof::pprof
