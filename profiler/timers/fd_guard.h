// lcprof's own descriptors (the perf engine's counters), out of the
// program's reach. A program may close every descriptor it does not know
// (daemons close all above 2) or dup2 onto any number; without lcprof those
// numbers would not be open at all. So, for a descriptor lcprof holds:
//  - close(fd) fails with EBADF, as it would without lcprof, and lcprof
//    keeps it;
//  - close_range and closefrom close everything else in their range;
//  - dup2/dup3 onto it first move lcprof's descriptor to another number
//    (the owner's mover, below), then do what the program asked;
//  - dup2/dup3 from it fail with EBADF.
// Moving rather than refusing keeps the program's view exact: after its
// dup2 the number is its file. A descriptor's number is not hidden from
// /proc/self/fd or fcntl.
#pragma once

namespace lcprof {

// Signal-safe: registers / forgets a descriptor lcprof owns.
void GuardFd(int fd);
void UnguardFd(int fd);
// Signal-safe: whether `fd` is one of lcprof's.
bool IsGuardedFd(int fd);

// The owner's mover: takes lcprof's use off descriptor `fd` (it must then
// no longer read it), keeping a duplicate elsewhere; the number stays open
// for the caller to replace. 0 on success, -1 when it cannot (then nothing
// changed). Called on the program's thread, maybe in its signal handler.
void SetGuardedFdMover(int (*move)(int fd));

// What the program's calls reach (control/timer_interposers.cc, and the libcall
// forwarder of close). Each behaves as the libc call would without lcprof.
int ProgramClose(int fd);
int ProgramCloseRange(unsigned first, unsigned last, int flags);
void ProgramCloseFrom(int lowfd);
int ProgramDup3(int oldfd, int newfd, int flags, bool is_dup2);

}  // namespace lcprof
