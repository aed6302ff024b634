#!/usr/bin/env bash
# Quick start, test suite: everything CI runs (.ci/run execs this), each part
# doing its own set-up (packages, configure, build):
#  1. every ctest test of the main build, the stress suite included;
#  2. the unit and stress tests built with ASan+UBSan, and with TSan
#     (tools/sanitize.sh);
#  3. each libFuzzer target for a bounded time (tools/fuzz.sh).
# Every part runs; the run fails if any did. Left out: the ctest labels
# `bench` (a harness smoke test, docs/benchmarks.md) and `soak` (the stress
# programs run long, docs/architecture.md, "Testing").
#   tools/test.sh                the whole suite
#   tools/test.sh --ctest ARGS   part 1 only, ARGS passed to ctest (the
#                                quick loop while developing)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

ctest_suite() {
  local build
  build=$(bash "$root/tools/build.sh" | tail -n 1) || return 1
  (cd "$build" && ctest --output-on-failure -j"$(nproc)" -LE '^(bench|soak)$' "$@")
}

if [ "${1:-}" = --ctest ]; then
  shift
  ctest_suite "$@"
  exit
fi

failed=()
part() {
  local start=$SECONDS
  "$@" || failed+=("$*")
  echo "test: '$*' took $((SECONDS - start)) s" >&2
}
part ctest_suite
part bash "$root/tools/sanitize.sh" asan
part bash "$root/tools/sanitize.sh" tsan
part bash "$root/tools/fuzz.sh"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'test: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test: every part passed in $SECONDS s" >&2
