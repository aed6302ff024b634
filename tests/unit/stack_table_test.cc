// The stack table alone (stack_table.h): one entry per distinct key with
// exact counts, under concurrent inserts from several threads and from real
// signals that interrupt inserts on their own thread; overflow counted as
// lost with its CPU and never blocking; reuse after Reset.
#include "profiler/sampling/stack_table.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "tests/unit/stack_table_entries.h"

namespace lcprof {
namespace {

Sample MakeSample(std::initializer_list<uintptr_t> frames, uint64_t cpu_nanos = 1000,
                  int32_t tid = 7, uint64_t g = 0) {
  Sample s{};
  s.tid = tid;
  s.g = g;
  s.cpu_nanos = cpu_nanos;
  for (uintptr_t f : frames) s.frames[s.depth++] = f;
  return s;
}

// A key of this test: two frames naming (a, b).
Sample Key(uintptr_t a, uintptr_t b, uint64_t cpu_nanos = 1) {
  return MakeSample({0x1000 + a, 0x100000 + b}, cpu_nanos);
}

// Counts per key (frames[0], frames[1]) of a table; fails on a duplicate key.
std::map<std::pair<uintptr_t, uintptr_t>, TableEntry> ByKey(const StackTable& t) {
  std::map<std::pair<uintptr_t, uintptr_t>, TableEntry> out;
  for (const TableEntry& e : TableEntries(t)) {
    auto [it, inserted] = out.emplace(std::make_pair(e.key.frames[0], e.key.frames[1]), e);
    EXPECT_TRUE(inserted) << "two entries for one key";
  }
  return out;
}

TEST(StackTableTest, IdenticalSamplesShareOneEntryWithSummedCounts) {
  StackTable t(16);
  ASSERT_TRUE(t.ok());
  for (int i = 0; i < 10; ++i) t.Add(MakeSample({0x401000, 0x402000, 0x403000}, 100 + i));
  std::vector<TableEntry> e = TableEntries(t);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].samples, 10u);
  EXPECT_EQ(e[0].key.cpu_nanos, 10u * 100 + 45);
  ASSERT_EQ(e[0].key.depth, 3u);
  EXPECT_EQ(e[0].key.frames[0], 0x401000u);
  EXPECT_EQ(e[0].key.frames[2], 0x403000u);
  EXPECT_EQ(e[0].key.tid, 7);
  EXPECT_EQ(t.lost_samples(), 0u);
}

TEST(StackTableTest, EveryPartOfTheKeySeparatesEntries) {
  StackTable t(64);
  const Sample base = MakeSample({0x401000, 0x402000});
  std::vector<Sample> keys(7, base);
  keys[1].frames[1] = 0x402008;                 // another frame
  keys[2].frames[keys[2].depth++] = 0x403000;   // a longer stack with the same prefix
  keys[3].tid = 8;                              // another thread
  keys[4].g = 3;                                // another G
  keys[5].mark[keys[5].marks++] = {1, 0x4242};  // a libcall mark
  keys[6].mark[keys[6].marks++] = {0, 0x4242};  // the same call marked elsewhere
  for (size_t k = 0; k < keys.size(); ++k) {
    for (size_t n = 0; n <= k; ++n) t.Add(keys[k]);
  }
  std::vector<TableEntry> entries = TableEntries(t);
  ASSERT_EQ(entries.size(), keys.size());
  for (const TableEntry& e : entries) {
    size_t matches = 0;
    for (size_t k = 0; k < keys.size(); ++k) {
      const Sample& want = keys[k];
      bool same = e.key.depth == want.depth && e.key.marks == want.marks && e.key.tid == want.tid &&
                  e.key.g == want.g;
      for (uint32_t i = 0; same && i < want.depth; ++i) same = e.key.frames[i] == want.frames[i];
      for (uint32_t i = 0; same && i < want.marks; ++i) {
        same = e.key.mark[i].index == want.mark[i].index && e.key.mark[i].fn == want.mark[i].fn;
      }
      if (same) {
        ++matches;
        EXPECT_EQ(e.samples, k + 1) << "key " << k;
      }
    }
    EXPECT_EQ(matches, 1u);
  }
}

TEST(StackTableTest, KeepsTheDeepestStackAndEveryMarkExactly) {
  StackTable t(4);
  Sample s{};
  s.tid = 9;
  s.g = 0x77;
  for (uint32_t i = 0; i < kMaxFrames; ++i) s.frames[s.depth++] = 0x500000 + 8 * i;
  for (int i = 0; i < kMaxLibcallMarks; ++i) {
    s.mark[s.marks++] = {static_cast<uint32_t>(10 * i), static_cast<uintptr_t>(100 + i)};
  }
  t.Add(s);
  t.Add(s);
  std::vector<TableEntry> e = TableEntries(t);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].samples, 2u);
  ASSERT_EQ(e[0].key.depth, static_cast<uint32_t>(kMaxFrames));
  ASSERT_EQ(e[0].key.marks, static_cast<uint32_t>(kMaxLibcallMarks));
  for (uint32_t i = 0; i < kMaxFrames; ++i) ASSERT_EQ(e[0].key.frames[i], s.frames[i]);
  for (int i = 0; i < kMaxLibcallMarks; ++i) {
    EXPECT_EQ(e[0].key.mark[i].index, s.mark[i].index);
    EXPECT_EQ(e[0].key.mark[i].fn, s.mark[i].fn);
  }
  EXPECT_EQ(e[0].key.g, 0x77u);
}

// Four threads add the same 300 keys in different orders, so every new key
// is raced for; each key must end in exactly one entry with every add counted.
TEST(StackTableTest, ConcurrentInsertsFromSeveralThreadsCountExactly) {
  constexpr int kThreads = 4, kKeys = 300, kRounds = 200;
  StackTable t(1000);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      while (!go.load()) {
      }
      for (int r = 0; r < kRounds; ++r) {
        for (int k = 0; k < kKeys; ++k) {
          const int key = th % 2 == 0 ? k : kKeys - 1 - k;
          t.Add(Key(static_cast<uintptr_t>(key), static_cast<uintptr_t>(key % 7),
                    static_cast<uint64_t>(th + 1)));
        }
      }
    });
  }
  go.store(true);
  for (auto& th : threads) th.join();
  auto entries = ByKey(t);
  ASSERT_EQ(entries.size(), static_cast<size_t>(kKeys));
  for (const auto& [key, e] : entries) {
    EXPECT_EQ(e.samples, static_cast<uint64_t>(kThreads * kRounds));
    EXPECT_EQ(e.key.cpu_nanos, static_cast<uint64_t>(kRounds * (1 + 2 + 3 + 4)));
  }
  EXPECT_EQ(t.lost_samples(), 0u);
}

// Real signals: a sender thread interrupts workers that are adding keys of
// their own, and each signal's handler adds keys too, on the interrupted
// thread, often in the middle of that thread's own insert of a new key.
// Nothing may block, and every add of both kinds must be counted exactly.
StackTable* g_signal_table = nullptr;
thread_local uintptr_t t_worker = 0;       // which worker this thread is (1-based)
thread_local uint64_t t_handler_adds = 0;  // written by the handler on this thread only

void OnUsr1(int) {
  if (t_worker == 0) return;
  const uint64_t n = t_handler_adds++;
  // A key of this thread's handler, new for the first 1000 signals.
  g_signal_table->Add(Key(1000 * t_worker + n % 1000, 2));
  // A key shared by every thread's handler.
  g_signal_table->Add(Key(0, 3));
}

TEST(StackTableTest, RealSignalsInterruptingInsertsOnTheirThreadCountExactly) {
  constexpr int kWorkers = 3;
  constexpr uint64_t kAddsPerWorker = 400000;
  StackTable t(20000);
  g_signal_table = &t;
  struct sigaction sa {
  }, old{};
  sa.sa_handler = OnUsr1;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);

  std::atomic<int> ready{0}, done{0};
  std::atomic<bool> stop_sending{false}, release{false};
  std::vector<uint64_t> handler_adds(kWorkers, 0);
  std::vector<pthread_t> handles(kWorkers);
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      t_worker = static_cast<uintptr_t>(w + 1);
      handles[w] = pthread_self();
      ready.fetch_add(1);
      // 2000 keys of its own: the first round inserts each, later rounds find it.
      for (uint64_t i = 0; i < kAddsPerWorker; ++i) t.Add(Key(100000 * t_worker + i % 2000, 1));
      sigset_t usr1;
      sigemptyset(&usr1);
      sigaddset(&usr1, SIGUSR1);
      pthread_sigmask(SIG_BLOCK, &usr1, nullptr);  // no handler after the count is read
      handler_adds[w] = t_handler_adds;
      done.fetch_add(1);
      while (!release.load()) std::this_thread::yield();  // alive while signals may come
    });
  }
  while (ready.load() < kWorkers) {
  }
  std::thread sender([&] {
    while (!stop_sending.load()) {
      for (int w = 0; w < kWorkers; ++w) pthread_kill(handles[w], SIGUSR1);
      std::this_thread::yield();
    }
  });
  while (done.load() < kWorkers) std::this_thread::yield();
  stop_sending.store(true);
  sender.join();
  release.store(true);
  for (auto& w : workers) w.join();
  sigaction(SIGUSR1, &old, nullptr);

  uint64_t all_handler_adds = 0;
  for (uint64_t n : handler_adds) all_handler_adds += n;
  EXPECT_GT(all_handler_adds, 0u);
  auto entries = ByKey(t);
  uint64_t worker_total = 0, handler_total = 0;
  for (const auto& [key, e] : entries) {
    if (key.second == 0x100000 + 1) worker_total += e.samples;
    if (key.second == 0x100000 + 2) handler_total += e.samples;
  }
  EXPECT_EQ(worker_total, kWorkers * kAddsPerWorker);
  EXPECT_EQ(handler_total, all_handler_adds);
  EXPECT_EQ(entries.at({0x1000, 0x100000 + 3}).samples, all_handler_adds);
  EXPECT_EQ(t.lost_samples(), 0u);
}

TEST(StackTableTest, FullTableCountsLostSamplesWithTheirCpuAndKeepsCounting) {
  StackTable t(4);
  for (uintptr_t k = 0; k < 4; ++k) t.Add(Key(k, 0, 5));
  for (uintptr_t k = 4; k < 10; ++k) t.Add(Key(k, 0, 7));  // no room for a fifth key
  t.Add(Key(2, 0, 5));                                     // a known key still counts
  EXPECT_EQ(t.lost_samples(), 6u);
  EXPECT_EQ(t.lost_cpu_nanos(), 42u);
  auto entries = ByKey(t);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries.at({0x1000 + 2, 0x100000}).samples, 2u);
}

// A full table never makes an insert wait: several threads pouring new keys
// into it all finish, and every one of their samples is counted as lost.
TEST(StackTableTest, AFullTableNeverBlocksConcurrentInserters) {
  StackTable t(8);
  for (uintptr_t k = 0; k < 8; ++k) t.Add(Key(k, 0));
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&t, th] {
      for (int i = 0; i < kEach; ++i) t.Add(Key(1000 + static_cast<uintptr_t>(i), th + 1, 3));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(t.lost_samples(), static_cast<uint64_t>(kThreads * kEach));
  EXPECT_EQ(t.lost_cpu_nanos(), static_cast<uint64_t>(3 * kThreads * kEach));
  EXPECT_EQ(TableEntries(t).size(), 8u);
}

TEST(StackTableTest, AFullArenaCountsLostSamplesToo) {
  // Room for two stacks of about 60 frames: one of the deepest kind fits, a
  // second does not, even though fewer than max_stacks exist.
  StackTable t(2);
  Sample deep{};
  deep.tid = 1;
  deep.cpu_nanos = 11;
  for (uint32_t i = 0; i < kMaxFrames; ++i) deep.frames[deep.depth++] = 0x600000 + i;
  t.Add(deep);
  deep.frames[0] = 0x700000;
  t.Add(deep);
  EXPECT_EQ(TableEntries(t).size(), 1u);
  EXPECT_EQ(t.lost_samples(), 1u);
  EXPECT_EQ(t.lost_cpu_nanos(), 11u);
}

TEST(StackTableTest, ResetForgetsEverythingAndTheTableIsReusable) {
  StackTable t(4);
  for (uintptr_t k = 0; k < 6; ++k) t.Add(Key(k, 0));
  ASSERT_EQ(TableEntries(t).size(), 4u);
  ASSERT_EQ(t.lost_samples(), 2u);
  t.Reset();
  EXPECT_TRUE(TableEntries(t).empty());
  EXPECT_EQ(t.lost_samples(), 0u);
  EXPECT_EQ(t.lost_cpu_nanos(), 0u);
  // All four stacks' room is back.
  for (uintptr_t k = 10; k < 14; ++k) {
    t.Add(Key(k, 1, 2));
    t.Add(Key(k, 1, 2));
  }
  auto entries = ByKey(t);
  ASSERT_EQ(entries.size(), 4u);
  for (const auto& [key, e] : entries) {
    EXPECT_EQ(e.samples, 2u);
    EXPECT_EQ(e.key.cpu_nanos, 4u);
  }
  EXPECT_EQ(t.lost_samples(), 0u);
}

}  // namespace
}  // namespace lcprof
