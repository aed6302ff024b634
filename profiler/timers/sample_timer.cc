// The setitimer(ITIMER_PROF) engine: the kernel sends SIGPROF (si_code
// SI_KERNEL) to the process, in practice to the thread that is running, each
// `period` of process CPU time, checked at the kernel tick, so at most one
// signal per tick whatever the rate asked. Each signal therefore weighs the
// interrupted thread's CPU time since its previous sample (thread_timers.h). Also the back-stop of
// the per-thread engines for threads without a timer of their own; MakeSampleTimer builds every
// engine. ITIMER_PROF is shared with the program through prof_itimer.h,
// where the program always wins.
#include "profiler/timers/sample_timer.h"

#include <sys/time.h>

#include <mutex>
#include <new>

#include "profiler/base/log.h"
#include "profiler/timers/prof_itimer.h"
#include "profiler/timers/thread_timers.h"

namespace lcprof {
namespace {

// The itimer's programmed period for `hz`, in whole microseconds.
itimerval ItimerFor(int hz, uint64_t* period_nanos) {
  long usec = 1000000L / (hz < 1 ? 1 : hz);
  if (usec < 1) usec = 1;
  itimerval it{};
  it.it_interval.tv_sec = usec / 1000000;
  it.it_interval.tv_usec = usec % 1000000;
  it.it_value = it.it_interval;
  *period_nanos = static_cast<uint64_t>(usec) * 1000;
  return it;
}

class PerThreadSampleTimer;

// The running engine, for the ITIMER_PROF guard's "taken" callback, which
// comes on any program thread. Lock order: g_engine_mutex, then the thread
// registry's.
std::mutex g_engine_mutex;
PerThreadSampleTimer* g_running = nullptr;  // guarded by g_engine_mutex

// Every engine: the thread registry (thread_timers.h), with a timer per
// thread for kThread and kPerf, plus the process itimer, which samples the
// threads without a timer of their own (for kItimer, all of them). Where
// the program uses ITIMER_PROF itself (prof_itimer.h), kItimer runs as
// kThread and the others run without the itimer.
class PerThreadSampleTimer final : public SampleTimer {
 public:
  explicit PerThreadSampleTimer(TimerKind kind) : kind_(kind) {}
  ~PerThreadSampleTimer() override { Stop(); }

  bool Start(int hz, std::string* error) override {
    std::lock_guard<std::mutex> lock(g_engine_mutex);
    period_nanos_ = 1000000000u / static_cast<uint64_t>(hz < 1 ? 1 : hz);
    hz_ = hz;
    use_itimer_ = !ProgramUsesProfItimer();
    if (!use_itimer_) SayProgramHasItimer();
    if (!StartThreadTimers(&kind_, period_nanos_, error)) return false;
    running_ = true;
    uint64_t itimer_period = 0;
    if (use_itimer_ && !ArmLcprofProfItimer(ItimerFor(hz, &itimer_period), error)) {
      StopLocked();
      return false;
    }
    g_running = this;
    SetProfItimerTakenHandler(OnItimerTaken);
    return true;
  }
  void Stop() override {
    std::lock_guard<std::mutex> lock(g_engine_mutex);
    StopLocked();
  }
  bool RestartInForkChild() override {
    std::lock_guard<std::mutex> lock(g_engine_mutex);
    running_ = false;  // the parent's timers are not the child's
    if (!StartThreadTimersInForkChild(kind_, period_nanos_)) return false;
    running_ = true;
    // Itimers are not inherited: the child's ITIMER_PROF is free unless this
    // engine gave it up in the parent.
    std::string error;
    uint64_t itimer_period = 0;
    if (use_itimer_ && !ArmLcprofProfItimer(ItimerFor(hz_, &itimer_period), &error)) {
      StopLocked();
      return false;
    }
    g_running = this;
    return true;
  }
  uint64_t period_nanos() const override { return period_nanos_; }
  TimerKind kind() const override { return kind_; }

 private:
  void StopLocked() {
    if (g_running == this) g_running = nullptr;
    if (!running_) return;
    running_ = false;
    if (use_itimer_) DisarmLcprofProfItimer();
    StopThreadTimers();
  }

  // kItimer gives way to kThread (the slots are re-armed with timers); the
  // others lose only their back-stop for threads without a timer.
  void SayProgramHasItimer() {
    if (kind_ == TimerKind::kItimer) {
      kind_ = TimerKind::kThread;
      LogNotice("the program uses ITIMER_PROF itself; sampling with LCPROF_TIMER=thread instead");
    } else {
      LogNotice(
          "the program uses ITIMER_PROF itself; threads without a timer of their own go "
          "unsampled");
    }
  }

  // The program's setitimer just took ITIMER_PROF from this engine.
  static void OnItimerTaken() {
    std::lock_guard<std::mutex> lock(g_engine_mutex);
    PerThreadSampleTimer* t = g_running;
    if (t == nullptr || !t->running_ || !t->use_itimer_) return;
    t->use_itimer_ = false;
    const bool was_itimer = t->kind_ == TimerKind::kItimer;
    t->SayProgramHasItimer();
    if (!was_itimer) return;
    StopThreadTimers();
    std::string error;
    if (!StartThreadTimers(&t->kind_, t->period_nanos_, &error)) {
      LogLine("cannot sample with per-thread timers (%s): profiling stops here", error.c_str());
    }
  }

  TimerKind kind_;
  uint64_t period_nanos_ = 0;
  int hz_ = 1;
  bool running_ = false;
  bool use_itimer_ = false;
};

}  // namespace

std::unique_ptr<SampleTimer> MakeSampleTimer(TimerKind kind) {
  return std::make_unique<PerThreadSampleTimer>(kind);
}

void SuspendTimersBeforeExec() {
  SuspendLcprofProfItimer();
  SuspendThisThreadTimer();
}

void ResumeTimersAfterFailedExec() {
  ResumeThisThreadTimer();
  ResumeLcprofProfItimer();
}

void ResetSampleTimersAfterFork() {
  new (&g_engine_mutex) std::mutex();  // its holder, if any, is not in this process
  g_running = nullptr;
  ResetProfItimerAfterFork();
  ResetThreadTimersAfterFork();
}

}  // namespace lcprof
