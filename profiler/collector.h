// The collector: a thread that drains the sample buffer into a StackTable
// outside signal context. Upstream: sample_buffer.h (filled by the SIGPROF
// handler); downstream: the pprof writer reads the table after Stop().
#pragma once

#include <atomic>
#include <thread>

#include "profiler/sample_buffer.h"
#include "profiler/stack_table.h"

namespace lcprof {

class Collector {
 public:
  explicit Collector(SampleBuffer& buffer) : buffer_(buffer) {}
  ~Collector() { Stop(); }
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Starts the draining thread. Control path.
  bool Start();
  // Stops the thread after a last full drain. Call after the signal handler
  // was disarmed so that nothing arrives later. Control path; idempotent.
  void Stop();
  // Drains what is in the buffer now, on the calling thread. Only while the
  // draining thread is not running (tests, and fork children).
  void DrainNow();

  // Valid once Stop() has returned.
  const StackTable& table() const { return table_; }

 private:
  void Run();

  SampleBuffer& buffer_;
  StackTable table_;  // collector thread only while running
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace lcprof
