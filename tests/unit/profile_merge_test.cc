// tools/profile_merge.h on profiles built in memory: strings, mappings,
// functions and locations unified across processes; values and labels kept;
// pid and program labels added; header fields and comments merged.
#include "tools/profile_merge.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace lcprof::tools {
namespace {

using perftools::profiles::Profile;

// A profile as lcprof writes one: samples/count and cpu/nanoseconds, one
// mapping (the program), and one sample per stack given (leaf first).
class Builder {
 public:
  Builder(const std::string& program, uint64_t start) {
    Str("");
    auto* t = p_.add_sample_type();
    t->set_type(Str("samples"));
    t->set_unit(Str("count"));
    t = p_.add_sample_type();
    t->set_type(Str("cpu"));
    t->set_unit(Str("nanoseconds"));
    p_.mutable_period_type()->set_type(Str("cpu"));
    p_.mutable_period_type()->set_unit(Str("nanoseconds"));
    p_.set_period(10000000);
    p_.set_default_sample_type(Str("cpu"));
    auto* m = p_.add_mapping();
    m->set_id(1);
    m->set_memory_start(start);
    m->set_memory_limit(start + 0x10000);
    m->set_filename(Str(program));
    m->set_build_id(Str("abcd"));
    m->set_has_functions(true);
  }
  int64_t Str(const std::string& s) {
    for (int i = 0; i < p_.string_table_size(); ++i) {
      if (p_.string_table(i) == s) return i;
    }
    p_.add_string_table(s);
    return p_.string_table_size() - 1;
  }
  uint64_t Location(const std::string& fn, uint64_t address) {
    uint64_t f = 0;
    for (const auto& g : p_.function()) {
      if (p_.string_table(static_cast<int>(g.name())) == fn) f = g.id();
    }
    if (f == 0) {
      auto* g = p_.add_function();
      f = p_.function_size();
      g->set_id(f);
      g->set_name(Str(fn));
      g->set_system_name(Str(fn));
    }
    auto* l = p_.add_location();
    l->set_id(p_.location_size());
    l->set_mapping_id(address == 0 ? 0 : 1);
    l->set_address(address);
    l->add_line()->set_function_id(f);
    return l->id();
  }
  void Sample(std::vector<uint64_t> locations, int64_t n, int tid) {
    auto* s = p_.add_sample();
    for (uint64_t l : locations) s->add_location_id(l);
    s->add_value(n);
    s->add_value(n * 10000000);
    auto* label = s->add_label();
    label->set_key(Str("thread_id"));
    label->set_num(tid);
  }
  Profile& profile() { return p_; }

 private:
  Profile p_;
};

std::string S(const Profile& p, int64_t i) { return p.string_table(static_cast<int>(i)); }

TEST(ProfileMergeTest, UnifiesWhatIsEqualAndLabelsEachProcess) {
  // Two processes of one non-PIE program (same mapping) and one other.
  Builder a("/bin/app", 0x400000), b("/bin/app", 0x400000), c("/usr/bin/tool", 0x500000);
  a.profile().set_time_nanos(2000);
  a.profile().set_duration_nanos(100);
  b.profile().set_time_nanos(1000);
  b.profile().set_duration_nanos(5000);
  c.profile().set_time_nanos(3000);
  c.profile().set_duration_nanos(10);
  const uint64_t a_hot = a.Location("hot", 0x401000), a_main = a.Location("main", 0x400100);
  a.Sample({a_hot, a_main}, 5, 11);
  // b interns its strings in another order and has the same two locations.
  b.Str("zzz");
  const uint64_t b_main = b.Location("main", 0x400100), b_hot = b.Location("hot", 0x401000);
  b.Sample({b_hot, b_main}, 7, 22);
  b.Sample({b.Location("[lost: stack table full]", 0)}, 2, 0);
  c.Sample({c.Location("tool_fn", 0x501000)}, 3, 33);
  c.profile().add_comment(c.Str("lcprof: not the command's"));
  a.profile().add_comment(a.Str("lcprof: timer itimer, requested 100 Hz"));
  a.profile().add_comment(a.Str("lcprof: 5 samples, 0 lost"));

  std::vector<ProcessProfile> in(3);
  in[0] = {.pid = 100, .command = true, .profile = a.profile()};
  in[1] = {.pid = 101, .command = false, .profile = b.profile()};
  in[2] = {.pid = 102, .command = false, .profile = c.profile()};
  for (const auto& p : in) {
    std::string why;
    ASSERT_TRUE(ProfileIsConsistent(p.profile, &why)) << why;
  }
  Profile m;
  std::vector<std::string> skipped;
  EXPECT_EQ(MergeProfiles(in, &m, &skipped), 3);
  EXPECT_TRUE(skipped.empty());
  std::string why;
  ASSERT_TRUE(ProfileIsConsistent(m, &why)) << why;

  ASSERT_EQ(m.mapping_size(), 2);  // /bin/app once, /usr/bin/tool
  EXPECT_EQ(S(m, m.mapping(0).filename()), "/bin/app");
  EXPECT_EQ(S(m, m.mapping(0).build_id()), "abcd");
  EXPECT_EQ(S(m, m.mapping(1).filename()), "/usr/bin/tool");
  EXPECT_EQ(m.function_size(), 4);  // hot, main, [lost...], tool_fn
  EXPECT_EQ(m.location_size(), 4);
  std::map<std::string, int> strings;
  for (const auto& s : m.string_table()) EXPECT_EQ(++strings[s], 1) << "twice: " << s;
  EXPECT_EQ(S(m, 0), "");

  ASSERT_EQ(m.sample_size(), 4);
  // a's and b's hot stacks are the same locations, told apart by their labels.
  EXPECT_EQ(
      std::vector<uint64_t>(m.sample(0).location_id().begin(), m.sample(0).location_id().end()),
      std::vector<uint64_t>(m.sample(1).location_id().begin(), m.sample(1).location_id().end()));
  struct Want {
    int64_t n, pid, tid;
    const char* program;
  };
  const Want want[] = {
      {5, 100, 11, "app"}, {7, 101, 22, "app"}, {2, 101, 0, "app"}, {3, 102, 33, "tool"}};
  for (int i = 0; i < 4; ++i) {
    const auto& s = m.sample(i);
    EXPECT_EQ(s.value(0), want[i].n);
    EXPECT_EQ(s.value(1), want[i].n * 10000000);
    std::map<std::string, int64_t> num;
    std::map<std::string, std::string> str;
    for (const auto& l : s.label()) {
      if (l.str() != 0) {
        str[S(m, l.key())] = S(m, l.str());
      } else {
        num[S(m, l.key())] = l.num();
      }
    }
    EXPECT_EQ(num["pid"], want[i].pid);
    EXPECT_EQ(num["thread_id"], want[i].tid);
    EXPECT_EQ(str["program"], want[i].program);
  }
  const auto& hot = m.location(static_cast<int>(m.sample(0).location_id(0)) - 1);
  EXPECT_EQ(hot.address(), 0x401000u);
  EXPECT_EQ(S(m, m.function(static_cast<int>(hot.line(0).function_id()) - 1).name()), "hot");

  EXPECT_EQ(S(m, m.sample_type(1).type()), "cpu");
  EXPECT_EQ(S(m, m.default_sample_type()), "cpu");
  EXPECT_EQ(m.period(), 10000000);
  EXPECT_EQ(m.time_nanos(), 1000);      // the earliest start
  EXPECT_EQ(m.duration_nanos(), 5000);  // to the latest end (b: 1000 + 5000)

  const SampleCounts counts = CountSamples(m);
  EXPECT_EQ(counts.samples, 15);
  EXPECT_EQ(counts.lost, 2);
  std::vector<std::string> comments;
  for (int64_t i : m.comment()) comments.push_back(S(m, i));
  const std::vector<std::string> expected = {
      "lcprof: 3 processes merged by lcprof record: 15 samples, 2 lost",
      "lcprof: pid 100 (app, the command): 5 samples, 0 lost",
      "lcprof: pid 101 (app): 7 samples, 2 lost",
      "lcprof: pid 102 (tool): 3 samples, 0 lost",
      "lcprof: pid 100: timer itimer, requested 100 Hz",
  };
  EXPECT_EQ(comments, expected);
}

TEST(ProfileMergeTest, DifferentSampleTypesAreLeftOutAndFramesRulesJoined) {
  Builder a("/bin/app", 0x400000), b("/bin/app", 0x400000), c("/bin/app", 0x400000);
  a.profile().set_drop_frames(a.Str("malloc"));
  b.profile().set_drop_frames(b.Str("free"));
  c.profile().mutable_sample_type(1)->set_unit(c.Str("microseconds"));
  a.Sample({a.Location("x", 0x401000)}, 1, 1);
  c.Sample({c.Location("x", 0x401000)}, 1, 1);
  std::vector<ProcessProfile> in(3);
  in[0] = {.pid = 1, .command = true, .profile = a.profile()};
  in[1] = {.pid = 2, .command = false, .profile = b.profile()};
  in[2] = {.pid = 3, .command = false, .profile = c.profile()};
  Profile m;
  std::vector<std::string> skipped;
  EXPECT_EQ(MergeProfiles(in, &m, &skipped), 2);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("process 3"), std::string::npos) << skipped[0];
  EXPECT_EQ(m.sample_size(), 1);
  EXPECT_EQ(S(m, m.drop_frames()), "free|malloc");
  EXPECT_EQ(m.keep_frames(), 0);
}

TEST(ProfileMergeTest, InconsistentProfilesAreRecognised) {
  Builder a("/bin/app", 0x400000);
  a.Sample({a.Location("x", 0x401000)}, 1, 1);
  std::string why;
  Profile bad = a.profile();
  bad.mutable_sample(0)->set_location_id(0, 99);
  EXPECT_FALSE(ProfileIsConsistent(bad, &why));
  bad = a.profile();
  bad.mutable_function(0)->set_name(1000);
  EXPECT_FALSE(ProfileIsConsistent(bad, &why));
  bad = a.profile();
  bad.mutable_location(0)->set_mapping_id(7);
  EXPECT_FALSE(ProfileIsConsistent(bad, &why));
  bad = a.profile();
  bad.mutable_sample(0)->add_value(3);
  EXPECT_FALSE(ProfileIsConsistent(bad, &why));
  EXPECT_TRUE(ProfileIsConsistent(a.profile(), &why)) << why;
}

}  // namespace
}  // namespace lcprof::tools
