// The thread-name table alone (thread_names.h): a thread's own name, learned
// once; many threads at once; a full table leaves threads unnamed without
// blocking; reuse after Reset.
#include "profiler/sampling/thread_names.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace lcprof {
namespace {

pid_t Tid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// Runs fn on a new thread named `name`; returns that thread's id.
template <typename Fn>
pid_t OnNamedThread(const std::string& name, Fn fn) {
  pid_t tid = 0;
  std::thread t([&] {
    pthread_setname_np(pthread_self(), name.c_str());
    tid = Tid();
    fn();
  });
  t.join();
  return tid;
}

TEST(ThreadNameTableTest, LearnsTheCallingThreadsNameTheFirstTimeItIsSeen) {
  ThreadNameTable names(8);
  ASSERT_TRUE(names.ok());
  const pid_t tid = OnNamedThread("lcprof-first", [&] {
    names.Note(Tid());
    // A later name is not read again: the name is the one at first sight.
    pthread_setname_np(pthread_self(), "lcprof-later");
    names.Note(Tid());
  });
  auto all = names.Names();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.at(tid), "lcprof-first");
}

TEST(ThreadNameTableTest, ManyThreadsNameThemselvesAtOnce) {
  constexpr int kThreads = 24;
  ThreadNameTable names(64);
  std::vector<pid_t> tids(kThreads);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      pthread_setname_np(pthread_self(), ("worker-" + std::to_string(i)).c_str());
      tids[i] = Tid();
      while (!go.load()) {
      }
      for (int n = 0; n < 1000; ++n) names.Note(tids[i]);
    });
  }
  go.store(true);
  for (auto& t : threads) t.join();
  auto all = names.Names();
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads));
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(all.at(tids[i]), "worker-" + std::to_string(i));
}

TEST(ThreadNameTableTest, AFullTableLeavesLaterThreadsUnnamedWithoutBlocking) {
  ThreadNameTable names(1);  // two slots
  for (int i = 0; i < 5; ++i) OnNamedThread("t" + std::to_string(i), [&] { names.Note(Tid()); });
  auto all = names.Names();
  ASSERT_EQ(all.size(), 2u);
  for (const auto& [tid, name] : all) EXPECT_TRUE(name == "t0" || name == "t1") << name;
}

TEST(ThreadNameTableTest, ResetForgetsEveryNameAndTheTableIsReusable) {
  ThreadNameTable names(1);
  OnNamedThread("before", [&] { names.Note(Tid()); });
  OnNamedThread("before2", [&] { names.Note(Tid()); });
  ASSERT_EQ(names.Names().size(), 2u);
  names.Reset();
  EXPECT_TRUE(names.Names().empty());
  const pid_t tid = OnNamedThread("after", [&] { names.Note(Tid()); });
  auto all = names.Names();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.at(tid), "after");
}

}  // namespace
}  // namespace lcprof
