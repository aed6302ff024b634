/* Profiles itself through an installed lcprof: `consumer OUT`.
 * Hot path: consumer_hot <- main. */
#include <lcprof/lcprof.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static volatile uint64_t sink;

__attribute__((noinline)) void consumer_hot(void) {
  uint64_t x = 3;
  clock_t end = clock() + CLOCKS_PER_SEC / 2;
  while (clock() < end) {
    for (int i = 0; i < 100000; ++i) x = x * 6364136223846793005ull + 1;
  }
  sink = x;
}

int main(int argc, char** argv) {
  if (argc < 2 || lcprof_start(argv[1], NULL) != 0) return 1;
  consumer_hot();
  if (lcprof_stop() != 0) return 2;
  puts("consumer: ok");
  return 0;
}
