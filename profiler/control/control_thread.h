// The one thread of lcprof's, and the signals that talk to it. A snapshot,
// a periodic profile or a write before dying all need a profile written
// while the program runs, and writing (malloc, files, zlib) may not happen
// in a signal handler. So a thread does it, started only when one of these
// is asked for, never by default:
//   LCPROF_PERIOD        the thread wakes at each period's end;
//   LCPROF_FLUSH_SIGNAL  the handler sets a request and posts a semaphore;
//   LCPROF_ON_TERM=1     SIGTERM/SIGINT: the same, then the thread re-raises;
//   CPUPROFILESIGNAL     each signal starts, then stops, a session.
// The handlers only set an atomic request and call sem_post (both
// async-signal-safe) and return at once, so the thread they wake never waits
// for a lock an interrupted thread holds. Control path, except the handlers.
#pragma once

#include "profiler/base/options.h"

namespace lcprof {

// After a session started with `options`: takes the flush and term signals
// it asks for (only where the program left them at the default action; a
// program's own handler is never replaced) and starts the thread when
// anything needs it. `write_before_dying` is what the process does at exit
// (preload_init.cc's; null: stop the session). Once taken, a signal stays
// taken for the process's life; a program that installs its own handler for
// it later replaces lcprof's, as it would replace the default.
void StartSnapshotControls(const Options& options, void (*write_before_dying)() = nullptr);

// CPUPROFILESIGNAL: takes options.toggle_signal (it must be at the default
// action) so that its first delivery starts a session of `options` into
// "<file>.0", the next stops and writes it, the next starts "<file>.1", and
// so on. False, with one line on stderr, when the signal is in use.
bool InstallProfilingToggle(const Options& options, void (*write_before_dying)());

}  // namespace lcprof
