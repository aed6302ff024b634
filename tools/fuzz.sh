#!/usr/bin/env bash
# Fuzzing (issue 10, item 10): builds the libFuzzer targets of tests/fuzz/
# with clang in build-fuzz/ (or $LCPROF_FUZZ_BUILD_DIR) and runs each from a
# copy of its seed corpus (tests/fuzz/corpus/<target>/) for
# $LCPROF_FUZZ_SECONDS seconds (default 20), from seed $LCPROF_FUZZ_SEED
# (default 1). A crash, a sanitizer report or
# a broken invariant fails the run and leaves the input in build-fuzz/
# (crash-*, reproduce with: build-fuzz/fuzz_<target> build-fuzz/crash-...).
# Usage: tools/fuzz.sh [target...]   (default: every target)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${LCPROF_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${LCPROF_FUZZ_SECONDS:-20}
# A fixed seed: every run makes the same inputs in the same order, so a CI
# failure reproduces, and a slower machine runs a prefix of what a faster
# one passed. LCPROF_FUZZ_SEED=0 lets libFuzzer pick (exploration).
seed=${LCPROF_FUZZ_SEED:-1}
bash "$root/tools/setup.sh"
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S "$root/tests/fuzz" -B "$build" -G Ninja >/dev/null
fi
cmake --build "$build" -- -j"$(nproc)" >&2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(elf_symbols proc_maps cfi_reader)
failed=()
for t in "${targets[@]}"; do
  # Inputs the run finds go to a scratch corpus; the seeds stay as committed.
  work=$build/corpus-$t
  rm -rf "$work" && mkdir -p "$work"
  echo "fuzz: $t for ${seconds}s" >&2
  if ! (cd "$build" && "./fuzz_$t" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
          -print_final_stats=1 "$work" "$root/tests/fuzz/corpus/$t" 2>"$build/fuzz_$t.log"); then
    tail -n 40 "$build/fuzz_$t.log" >&2
    failed+=("$t")
  else
    grep -E '^stat::(number_of_executed_units|new_units_added)' "$build/fuzz_$t.log" | tr '\n' ' ' >&2
    echo >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (logs: $build/fuzz_<target>.log)" >&2
  exit 1
fi
echo "fuzz: ${targets[*]}: no findings in ${seconds}s each" >&2
