// The frame-rule cache alone: hits and misses, the bounded probe (a full
// neighbourhood refuses, never waits), Clear, and exact contents after
// concurrent inserts of the same and of different keys.
#include "profiler/unwinding/frame_rule_cache.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace lcprof {
namespace {

FrameRule RuleWithOffset(int32_t k) {
  FrameRule r;
  r.kind = FrameRule::kCfa;
  r.cfa_offset = k;
  return r;
}

TEST(FrameRuleCacheTest, FindsWhatWasInserted) {
  FrameRuleCache cache(64);
  ASSERT_TRUE(cache.ok());
  FrameRule got;
  EXPECT_FALSE(cache.Find(0x401000, &got));
  EXPECT_TRUE(cache.Insert(0x401000, RuleWithOffset(24)));
  ASSERT_TRUE(cache.Find(0x401000, &got));
  EXPECT_EQ(got, RuleWithOffset(24));
  EXPECT_FALSE(cache.Insert(0x401000, RuleWithOffset(24)));  // kept once
  EXPECT_FALSE(cache.Insert(0, RuleWithOffset(8)));          // 0 is no address
  EXPECT_FALSE(cache.Find(0, &got));
}

TEST(FrameRuleCacheTest, AFullNeighbourhoodRefusesAndCounts) {
  FrameRuleCache cache(8);  // exactly kProbes slots: the ninth key finds none
  for (uintptr_t k = 1; k <= 8; ++k) EXPECT_TRUE(cache.Insert(k * 4096, RuleWithOffset(8)));
  EXPECT_EQ(cache.full_count(), 0u);
  EXPECT_FALSE(cache.Insert(9 * 4096, RuleWithOffset(8)));
  EXPECT_EQ(cache.full_count(), 1u);
  FrameRule got;
  EXPECT_FALSE(cache.Find(9 * 4096, &got));
  for (uintptr_t k = 1; k <= 8; ++k) EXPECT_TRUE(cache.Find(k * 4096, &got));
}

TEST(FrameRuleCacheTest, ClearForgetsEverything) {
  FrameRuleCache cache(1024);
  for (uintptr_t k = 1; k <= 500; ++k) cache.Insert(k * 16, RuleWithOffset(static_cast<int>(k)));
  cache.Clear();
  FrameRule got;
  for (uintptr_t k = 1; k <= 500; ++k) EXPECT_FALSE(cache.Find(k * 16, &got));
  EXPECT_TRUE(cache.Insert(16, RuleWithOffset(3)));
  ASSERT_TRUE(cache.Find(16, &got));
  EXPECT_EQ(got.cfa_offset, 3);
}

TEST(FrameRuleCacheTest, ConcurrentInsertsKeepOneRightRulePerKey) {
  FrameRuleCache cache(1 << 16);
  constexpr int kThreads = 4, kKeys = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache] {
      for (int i = 1; i <= kKeys; ++i)
        cache.Insert(static_cast<uintptr_t>(i) * 8, RuleWithOffset(i));
    });
  }
  for (auto& th : threads) th.join();
  int found = 0;
  for (int i = 1; i <= kKeys; ++i) {
    FrameRule got;
    if (cache.Find(static_cast<uintptr_t>(i) * 8, &got)) {
      ++found;
      EXPECT_EQ(got.cfa_offset, i);
    }
  }
  // 20,000 keys in 65,536 slots: a neighbourhood of 8 is rarely full, and a
  // key missing is one whose every insert was refused and counted.
  EXPECT_GT(found, kKeys * 99 / 100);
  if (found < kKeys) {
    EXPECT_GT(cache.full_count(), 0u);
  }
}

}  // namespace
}  // namespace lcprof
