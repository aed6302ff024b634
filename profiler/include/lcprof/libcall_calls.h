/* Signatures of the libc calls lcprof wraps that forward their arguments
 * unchanged: one table drives the declarations of the explicit lcprof_* API
 * (lcprof/libcall.h) and, inside lcprof, the real-function table and the
 * LD_PRELOAD interposers. C++ only for the macro's users inside lcprof; the
 * declarations it produces are plain C. */
#ifndef LCPROF_LIBCALL_CALLS_H_
#define LCPROF_LIBCALL_CALLS_H_

#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* X(return type, name, (parameters), (arguments)) */
#define LCPROF_FORWARDED_CALLS(X)                                                                 \
  X(int, pthread_attr_init, (pthread_attr_t * attr), (attr))                                      \
  X(int, pthread_attr_setstacksize, (pthread_attr_t * attr, size_t size), (attr, size))           \
  X(int, pthread_attr_setdetachstate, (pthread_attr_t * attr, int state), (attr, state))          \
  X(int, raise, (int sig), (sig))                                                                 \
  X(int, close, (int fd), (fd))                                                                   \
  X(ssize_t, read, (int fd, void* buf, size_t count), (fd, buf, count))                           \
  X(ssize_t, write, (int fd, const void* buf, size_t count), (fd, buf, count))                    \
  X(void*, mmap, (void* addr, size_t len, int prot, int flags, int fd, off_t off),                \
    (addr, len, prot, flags, fd, off))                                                            \
  X(int, munmap, (void* addr, size_t len), (addr, len))                                           \
  X(int, madvise, (void* addr, size_t len, int advice), (addr, len, advice))                      \
  X(int, usleep, (useconds_t usec), (usec))                                                       \
  X(int, gettimeofday, (struct timeval * tv, void* tz), (tv, tz))                                 \
  X(int, clock_getres, (clockid_t clock, struct timespec * res), (clock, res))                    \
  X(int, clock_gettime, (clockid_t clock, struct timespec * ts), (clock, ts))                     \
  X(int, sigaltstack, (const stack_t* ss, stack_t* old), (ss, old))                               \
  X(pid_t, getpid, (void), ())                                                                    \
  X(int, kill, (pid_t pid, int sig), (pid, sig))                                                  \
  X(int, setitimer, (int which, const struct itimerval* value, struct itimerval* old),            \
    (which, value, old))                                                                          \
  X(long, sysconf, (int name), (name))                                                            \
  X(int, epoll_create1, (int flags), (flags))                                                     \
  X(int, epoll_ctl, (int epfd, int op, int fd, struct epoll_event* event), (epfd, op, fd, event)) \
  X(int, epoll_wait, (int epfd, struct epoll_event* events, int max, int timeout),                \
    (epfd, events, max, timeout))                                                                 \
  X(int, pthread_mutex_init, (pthread_mutex_t * m, const pthread_mutexattr_t* attr), (m, attr))   \
  X(int, pthread_mutex_lock, (pthread_mutex_t * m), (m))                                          \
  X(int, pthread_mutex_unlock, (pthread_mutex_t * m), (m))                                        \
  X(int, pthread_cond_init, (pthread_cond_t * c, const pthread_condattr_t* attr), (c, attr))      \
  X(int, pthread_cond_wait, (pthread_cond_t * c, pthread_mutex_t * m), (c, m))                    \
  X(int, pthread_cond_signal, (pthread_cond_t * c), (c))                                          \
  X(int, pthread_cond_timedwait,                                                                  \
    (pthread_cond_t * c, pthread_mutex_t * m, const struct timespec* abstime), (c, m, abstime))

#endif /* LCPROF_LIBCALL_CALLS_H_ */
