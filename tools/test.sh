#!/usr/bin/env bash
# Quick start, test suite: builds lcprof and runs every test through ctest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(bash "$root/tools/build.sh" | tail -n 1)
cd "$build"
# Not part of the suite: the `bench` label (a harness smoke test,
# docs/benchmarks.md) and `soak` (the stress programs run long,
# docs/architecture.md, "Testing").
ctest --output-on-failure -j"$(nproc)" -LE '^(bench|soak)$' "$@"
