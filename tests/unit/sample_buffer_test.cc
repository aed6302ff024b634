// The sample ring alone: FIFO order and exact contents through wraparound,
// overflow counted as lost without blocking, and many concurrent writers.
#include "profiler/sample_buffer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace lcprof {
namespace {

bool PushSample(SampleBuffer& b, uint64_t tag, uint32_t depth) {
  auto claim = b.TryClaim();
  if (claim.sample == nullptr) return false;
  claim.sample->depth = depth;
  claim.sample->cpu_nanos = tag;
  claim.sample->tid = 7;
  for (uint32_t i = 0; i < depth; ++i) claim.sample->frames[i] = tag * 1000 + i;
  b.Commit(claim);
  return true;
}

TEST(SampleBufferTest, CapacityRoundsUpToPowerOfTwo) {
  SampleBuffer b(5);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.capacity(), 8u);
}

TEST(SampleBufferTest, KeepsOrderAndContentsThroughManyWraparounds) {
  SampleBuffer b(4);
  Sample out;
  uint64_t next_read = 0;
  for (uint64_t tag = 0; tag < 1000; ++tag) {
    ASSERT_TRUE(PushSample(b, tag, static_cast<uint32_t>(tag % kMaxFrames) + 1));
    if (tag % 3 == 2) {  // drain in bursts so the ring is at various fill levels
      while (b.TryPop(&out)) {
        ASSERT_EQ(out.cpu_nanos, next_read);
        ASSERT_EQ(out.depth, next_read % kMaxFrames + 1);
        for (uint32_t i = 0; i < out.depth; ++i) ASSERT_EQ(out.frames[i], next_read * 1000 + i);
        ++next_read;
      }
    }
  }
  while (b.TryPop(&out)) ++next_read;
  EXPECT_EQ(next_read, 1000u);
  EXPECT_EQ(b.lost(), 0u);
}

TEST(SampleBufferTest, FullRingCountsLostAndNeverOverwrites) {
  SampleBuffer b(4);
  for (uint64_t tag = 0; tag < 4; ++tag) ASSERT_TRUE(PushSample(b, tag, 1));
  EXPECT_FALSE(PushSample(b, 99, 1));
  EXPECT_FALSE(PushSample(b, 100, 1));
  EXPECT_EQ(b.lost(), 2u);
  Sample out;
  for (uint64_t tag = 0; tag < 4; ++tag) {
    ASSERT_TRUE(b.TryPop(&out));
    EXPECT_EQ(out.cpu_nanos, tag);
  }
  EXPECT_FALSE(b.TryPop(&out));
  EXPECT_TRUE(PushSample(b, 5, 1));  // room again after the drain
}

TEST(SampleBufferTest, ClaimedButUncommittedSlotHoldsTheReaderBack) {
  SampleBuffer b(4);
  auto claim = b.TryClaim();
  ASSERT_NE(claim.sample, nullptr);
  ASSERT_TRUE(PushSample(b, 1, 1));
  Sample out;
  EXPECT_FALSE(b.TryPop(&out));  // the first slot is not published yet
  claim.sample->depth = 1;
  claim.sample->cpu_nanos = 0;
  claim.sample->frames[0] = 0;
  b.Commit(claim);
  ASSERT_TRUE(b.TryPop(&out));
  EXPECT_EQ(out.cpu_nanos, 0u);
  ASSERT_TRUE(b.TryPop(&out));
  EXPECT_EQ(out.cpu_nanos, 1u);
}

TEST(SampleBufferTest, ConcurrentWritersLoseNothingOrCountIt) {
  SampleBuffer b(256);
  constexpr int kThreads = 4;
  constexpr uint64_t kPerThread = 20000;
  std::atomic<bool> done{false};
  std::set<uint64_t> seen;
  std::thread reader([&] {
    Sample out;
    for (;;) {
      bool finished = done.load();  // read before the pop: nothing can arrive after it
      if (b.TryPop(&out)) {
        ASSERT_EQ(out.frames[0], out.cpu_nanos * 1000);
        seen.insert(out.cpu_nanos);
      } else if (finished) {
        break;
      }
    }
  });
  std::vector<std::thread> writers;
  std::atomic<uint64_t> pushed{0};
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (uint64_t i = 0; i < kPerThread; ++i) {
        if (PushSample(b, static_cast<uint64_t>(t) * kPerThread + i, 1)) pushed.fetch_add(1);
      }
    });
  }
  for (auto& w : writers) w.join();
  done.store(true);
  reader.join();
  EXPECT_EQ(seen.size(), pushed.load());
  EXPECT_EQ(pushed.load() + b.lost(), kThreads * kPerThread);
}

}  // namespace
}  // namespace lcprof
