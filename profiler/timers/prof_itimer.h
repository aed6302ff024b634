// Who owns ITIMER_PROF: lcprof's engines or the program. There is one such
// timer per process; a program that arms it (with a SIGPROF handler of its
// own, usually) must keep exactly the ticks it asked for, so the program
// always wins: its setitimer goes to the kernel unchanged, lcprof stops
// counting SI_KERNEL signals as its own (they go to the program's handler),
// and lcprof samples through per-thread timers instead (sample_timer.cc).
// The program's getitimer/setitimer see only what the program set: while
// lcprof's own itimer runs, the program reads a disarmed timer.
//
// The guard sits in front of the real setitimer (the libcall forwarder's
// next function) and behind the getitimer interposer, from load on, so it knows what
// the program set even before profiling starts.
#pragma once

#include <sys/time.h>

#include <string>

namespace lcprof {

// Signal-safe: the program has ITIMER_PROF armed (or armed it and lcprof
// cannot tell that it expired since): SI_KERNEL SIGPROFs are the program's.
bool ProgramOwnsProfItimer();

// Control path: whether the program has ITIMER_PROF now (refreshed from
// the kernel when lcprof's own is off).
bool ProgramUsesProfItimer();

// Control path, for the engines. Arms ITIMER_PROF for lcprof with `value`;
// false (with *error) when the program owns it or the kernel refuses.
bool ArmLcprofProfItimer(const itimerval& value, std::string* error);
// Disarms lcprof's ITIMER_PROF; leaves a program's alone. Idempotent.
void DisarmLcprofProfItimer();

// Called on the program's thread, right after a program setitimer took
// ITIMER_PROF from lcprof's running itimer (never from a program signal
// handler: there the switch cannot be made and lcprof's itimer sampling
// simply ends). Control path; null to unset.
void SetProfItimerTakenHandler(void (*taken)());

// The program's getitimer (control/timer_interposers.cc): its own ITIMER_PROF, or a
// disarmed one while only lcprof's runs. Signal-safe.
int ProgramGetitimer(int which, struct itimerval* value);

// Signal-safe (exec from a program signal handler, exec_guard.cc): stops
// lcprof's ITIMER_PROF, keeping its value, and puts it back (after a failed
// exec). A program's timer is left alone.
void SuspendLcprofProfItimer();
void ResumeLcprofProfItimer();

// In a fork child: itimers are not inherited; neither side owns one.
void ResetProfItimerAfterFork();

}  // namespace lcprof
