// Stress: a malloc-heavy program that proves lcprof's signal handler never
// calls malloc or free. The program defines malloc, free, calloc, realloc
// and the aligned allocators itself, so every allocation in the process
// (libc's, liblcprof.so's, libstdc++'s) comes here first.
//
// How a call from the handler is recognised: lcprof's SIGPROF handler runs
// with SIGPROF blocked (the kernel blocks the signal being handled, and
// lcprof's sa_mask blocks every asynchronous signal), and this program
// never blocks SIGPROF itself. So an allocation made while the thread's
// real signal mask, read with the raw rt_sigprocmask system call (not
// through any wrapper, which might show the program its own view instead),
// holds SIGPROF is one made from inside a SIGPROF handler. The check is
// armed only while 4 threads churn allocations, between two barriers: no
// thread starts or exits and nothing forks then, so no lcprof control path
// (which may allocate, and may block signals) runs inside the window.
// A call seen there makes the program say so on stderr and exit 3.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void* __libc_malloc(size_t size);
void __libc_free(void* ptr);
void* __libc_calloc(size_t n, size_t size);
void* __libc_realloc(void* ptr, size_t size);
void* __libc_memalign(size_t alignment, size_t size);

static atomic_int g_window;
static atomic_long g_in_handler;
static _Atomic(void*) g_first_caller;

static int SigprofBlockedNow(void) {
  uint64_t mask = 0;
  if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, sizeof mask) != 0) return 0;
  return (int)((mask >> (SIGPROF - 1)) & 1);
}

static inline void CheckCaller(void* caller) {
  if (atomic_load_explicit(&g_window, memory_order_relaxed) && SigprofBlockedNow()) {
    if (atomic_fetch_add(&g_in_handler, 1) == 0) atomic_store(&g_first_caller, caller);
  }
}

void* malloc(size_t size) {
  CheckCaller(__builtin_return_address(0));
  return __libc_malloc(size);
}
void free(void* ptr) {
  CheckCaller(__builtin_return_address(0));
  __libc_free(ptr);
}
void* calloc(size_t n, size_t size) {
  CheckCaller(__builtin_return_address(0));
  return __libc_calloc(n, size);
}
void* realloc(void* ptr, size_t size) {
  CheckCaller(__builtin_return_address(0));
  return __libc_realloc(ptr, size);
}
void* memalign(size_t alignment, size_t size) {
  CheckCaller(__builtin_return_address(0));
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }
int posix_memalign(void** out, size_t alignment, size_t size) {
  void* p = memalign(alignment, size);
  if (p == NULL) return 12;  // ENOMEM
  *out = p;
  return 0;
}
void* valloc(size_t size) { return memalign((size_t)sysconf(_SC_PAGESIZE), size); }

enum { kThreads = 4, kSlots = 512 };

// g_start opens the window, g_stop ends the work, g_closed holds every
// thread until the window is shut (thread exit frees memory with signals
// blocked, which must not count).
static pthread_barrier_t g_start, g_stop, g_closed;
static long g_rounds;

__attribute__((noinline)) static uint64_t malloc_churn(unsigned seed) {
  void* slots[kSlots] = {0};
  uint64_t sum = 0;
  for (long i = 0; i < g_rounds; i++) {
    seed = seed * 1103515245u + 12345u;
    unsigned k = (seed >> 8) % kSlots;
    size_t size = 16 + (seed >> 16) % 4000;
    if (slots[k] != NULL) {
      sum += ((unsigned char*)slots[k])[0];
      free(slots[k]);
    }
    slots[k] = (i % 7 == 0) ? calloc(1, size) : malloc(size);
    memset(slots[k], (int)(i & 0x7f), size < 64 ? size : 64);
    if (i % 13 == 0) slots[k] = realloc(slots[k], size * 2);
  }
  for (int k = 0; k < kSlots; k++) free(slots[k]);
  return sum;
}

static void* churn_thread(void* arg) {
  pthread_barrier_wait(&g_start);
  uint64_t sum = malloc_churn((unsigned)(uintptr_t)arg);
  pthread_barrier_wait(&g_stop);
  pthread_barrier_wait(&g_closed);
  return (void*)(uintptr_t)(sum & 0xffff);
}

int main(int argc, char** argv) {
  g_rounds = argc > 1 ? atol(argv[1]) : 3000000;
  pthread_barrier_init(&g_start, NULL, kThreads + 1);
  pthread_barrier_init(&g_stop, NULL, kThreads + 1);
  pthread_barrier_init(&g_closed, NULL, kThreads + 1);
  pthread_t threads[kThreads];
  for (int i = 0; i < kThreads; i++)
    pthread_create(&threads[i], NULL, churn_thread, (void*)(uintptr_t)(i + 1));
  atomic_store(&g_window, 1);
  pthread_barrier_wait(&g_start);
  pthread_barrier_wait(&g_stop);
  atomic_store(&g_window, 0);
  pthread_barrier_wait(&g_closed);
  uint64_t sum = 0;
  for (int i = 0; i < kThreads; i++) {
    void* r;
    pthread_join(threads[i], &r);
    sum += (uintptr_t)r;
  }
  long bad = atomic_load(&g_in_handler);
  if (bad != 0) {
    Dl_info info = {0};
    void* caller = atomic_load(&g_first_caller);
    dladdr(caller, &info);
    fprintf(stderr,
            "malloc or free called %ld times inside a SIGPROF handler; first from %p (%s in %s)\n",
            bad, caller, info.dli_sname ? info.dli_sname : "?",
            info.dli_fname ? info.dli_fname : "?");
    return 3;
  }
  printf("threads %d, rounds %ld, checksum %llu\n", kThreads, g_rounds, (unsigned long long)sum);
  return 0;
}
