// Stress: 200 forks, one at a time, while the parent and a second thread
// are sampled. Each child burns a little CPU (every tenth one 40 ms, more
// than a sampling period at 100 Hz, so some children write profiles),
// prints nothing, and exits with a status derived from its index (odd ones
// through exit, even through _exit); the parent checks every status. The
// parent's work lands in parent_work, the children's in child_work.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spin.h"

static atomic_int g_done;

__attribute__((noinline)) static void* parent_work(void* arg) {
  (void)arg;
  while (!atomic_load(&g_done)) StressSpin(100000, 7);
  return NULL;
}

__attribute__((noinline)) static int child_work(int index) {
  StressSpin(index % 10 == 0 ? 40000000 : 1000000, (uint64_t)index);
  return index % 100;
}

int main(int argc, char** argv) {
  const int forks = argc > 1 ? atoi(argv[1]) : 200;
  pthread_t spinner;
  pthread_create(&spinner, NULL, parent_work, NULL);
  int wrong = 0;
  for (int i = 0; i < forks; i++) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 2;
    }
    if (pid == 0) {
      int status = child_work(i);
      if (i % 2) exit(status);
      _exit(status);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != i % 100) {
      fprintf(stderr, "child %d: status %#x\n", i, status);
      wrong++;
    }
  }
  atomic_store(&g_done, 1);
  pthread_join(spinner, NULL);
  printf("forks %d, wrong statuses %d\n", forks, wrong);
  return wrong == 0 ? 0 : 1;
}
