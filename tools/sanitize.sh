#!/usr/bin/env bash
# Sanitizer runs (issue 10, item 10): builds the unit tests and the stress
# suite with ASan+UBSan (`asan`) or TSan (`tsan`) in a build directory of
# their own (build-asan, build-tsan; or $LCPROF_BUILD_DIR) and runs them.
# Only those targets are built, to keep CI time down. Extra arguments go
# to ctest. Usage: tools/sanitize.sh asan|tsan [ctest args...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kind=${1:-}
shift || true
case "$kind" in
  asan) option=-DLCPROF_SANITIZE=ON ;;
  tsan) option=-DLCPROF_SANITIZE_THREAD=ON ;;
  *) echo "usage: tools/sanitize.sh asan|tsan [ctest args...]" >&2; exit 2 ;;
esac
build=${LCPROF_BUILD_DIR:-$root/build-$kind}
bash "$root/tools/setup.sh"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$option" >/dev/null
fi
targets=(lcprof_unit lcprof_stress)
cmake --build "$build" --target "${targets[@]}" -- -j"$(nproc)" >&2
cd "$build"
# A sanitizer report fails the test that triggered it: ASan and UBSan abort
# (-fno-sanitize-recover=all), TSan exits non-zero (halt_on_error).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# atexit_sleep_ms=0: TSan otherwise sleeps 1 s in every exit() of a process
# it counts as multithreaded, to give other threads time to race; that is
# each exit()ing child of the forks case (110 s a run instead of 4 s).
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:atexit_sleep_ms=0}
# Left out, because they test what instrumentation changes, not lcprof:
#  - UnwindWalkTest.CfiRowsOfOwnAndLibcCode: &qsort is the sanitizer's
#    interceptor, not libc's qsort;
#  - UnwindWalkTest.InterruptedOnACfaBoundaryKeepsTheCaller: it reads the
#    `push %rbp` that an uninstrumented function starts with;
#  - SignalHandlerTest.WalksFromTheInterruptedContext: it counts samples
#    of a fixed amount of work, which instrumentation slows past its bound.
skip='UnwindWalkTest\.CfiRowsOfOwnAndLibcCode|UnwindWalkTest\.InterruptedOnACfaBoundaryKeepsTheCaller|SignalHandlerTest\.WalksFromTheInterruptedContext'
labels='^(unit|stress)$'
if [ "$kind" = tsan ]; then
  # The unit tests are instrumented programs: TSan's sigaction comes before
  # lcprof's guard, so TSan runs their own signal handlers late, at the
  # thread's next call into its runtime, not where the signal interrupted:
  # the nesting test of what SIGPROF sees inside such a handler cannot pass.
  # The stress programs are not instrumented; liblcprof.so is preloaded
  # ahead of libtsan.so, as it would be into a TSan-built program, and its
  # SIGPROF handler goes to the kernel through libc's sigaction, so samples
  # land where the signal does. What runs in signal context (the handler
  # and all it calls, libcall's trampoline, mask view and interposers, which
  # TSan's start-up calls before its runtime is ready) is built without
  # -fsanitize=thread (lcprof_signal_context_sources in CMakeLists.txt); the
  # control path (start, stop, fork, the registries, snapshots, the writer)
  # is instrumented. A TSan report fails the case (exit status 66).
  skip="$skip|LibcallNestingTest\\.SigprofInNestedHandlerCallSplicesHandlerOntoOuterChain"
fi
ctest --output-on-failure -j"$(nproc)" -L "$labels" -E "^($skip)\$" "$@"
