#!/usr/bin/env bash
# Quick start, test suite: builds lcprof and runs every test through ctest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(bash "$root/tools/build.sh" | tail -n 1)
cd "$build"
# The `bench` label (a harness smoke test, docs/benchmarks.md) is not part of the suite.
ctest --output-on-failure -j"$(nproc)" -LE bench "$@"
