/* Forks while another thread works inside lcprof's locked control paths,
 * and checks what the child may do right after fork:
 *   fork_locks glock    a thread registers and unregisters Gs without pause;
 *                       each of 50 children registers a G of its own
 *   fork_locks apilock  a thread calls lcprof_last_error without pause;
 *                       each child calls it too
 *   fork_locks cost     prints child_opendir=N: how many directories lcprof
 *                       opened in the child's fork handler (it reads none)
 * A child stuck on a lock its parent's thread held makes the parent print
 * "hang" and exit 3 (alarm). Linked with liblcprof. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lcprof/lcprof.h"
#include "lcprof/libcall.h"

static volatile int g_opendirs;

/* Interposes on libc's opendir for liblcprof too (the executable comes
 * first in symbol lookup): counts the calls. */
DIR* opendir(const char* name) {
  static DIR* (*real)(const char*);
  if (real == NULL) real = (DIR * (*)(const char*)) dlsym(RTLD_NEXT, "opendir");
  g_opendirs++;
  return real(name);
}

static void* hammer_g(void* arg) {
  (void)arg;
  char stack[64];
  for (;;) {
    lcprof_g g = lcprof_g_register("hammer", (uintptr_t)stack, (uintptr_t)stack + sizeof stack);
    lcprof_g_unregister(g);
  }
  return NULL;
}

static void* hammer_api(void* arg) {
  (void)arg;
  for (;;) {
    volatile const char* e = lcprof_last_error();
    (void)e;
  }
  return NULL;
}

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "hang\n";
  write(1, msg, sizeof msg - 1);
  _exit(3);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "glock";
  signal(SIGALRM, on_alarm);
  if (strcmp(mode, "cost") == 0) {
    g_opendirs = 0;
    pid_t pid = fork();
    if (pid == 0) {
      printf("child_opendir=%d\n", g_opendirs);
      fflush(stdout);
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  }
  pthread_t t;
  pthread_create(&t, NULL, strcmp(mode, "apilock") == 0 ? hammer_api : hammer_g, NULL);
  usleep(20000);
  alarm(20);
  for (int i = 0; i < 50; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      char stack[64];
      if (strcmp(mode, "apilock") == 0) {
        (void)lcprof_last_error();
      } else {
        lcprof_g_unregister(
            lcprof_g_register("child", (uintptr_t)stack, (uintptr_t)stack + sizeof stack));
      }
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      printf("child %d failed\n", i);
      return 1;
    }
  }
  printf("ok\n");
  return 0;
}
