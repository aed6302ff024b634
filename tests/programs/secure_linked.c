/* A program linked against liblcprof, for the setuid tests: `secure_linked
 * [OUT]`. With OUT it asks the C API to profile into OUT and prints what it
 * answered; it always prints "ran" and exits 0. LCPROF_OUT in its
 * environment asks for profiling too. */
#include <lcprof/lcprof.h>
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc > 1) {
    if (lcprof_start(argv[1], NULL) == 0) {
      printf("start: ok\n");
      lcprof_stop();
    } else {
      printf("start failed: %s\n", lcprof_last_error());
    }
  }
  printf("ran\n");
  return 0;
}
