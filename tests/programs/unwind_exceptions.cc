// C++ exceptions thrown and caught in a loop: under LD_PRELOAD=liblcprof.so
// they must still be handled by the program's own unwinder (libgcc_s), not by
// the LLVM libunwind linked (hidden) into lcprof. Prints how many were caught.
#include <cstdio>
#include <stdexcept>

__attribute__((noinline)) void Thrower(int i) {
  if (i % 2 == 0) throw std::runtime_error("even");
  throw i;
}

int main() {
  long caught = 0;
  for (int i = 0; i < 200000; ++i) {
    try {
      Thrower(i);
    } catch (const std::runtime_error&) {
      ++caught;
    } catch (int) {
      ++caught;
    }
  }
  std::printf("caught %ld\n", caught);
  return caught == 200000 ? 0 : 1;
}
