#!/usr/bin/env bash
# Fails when the tree breaks its rules (issue 12, docs/architecture.md "The
# tree"): a source includes a header of a stage above its own, a source sits
# directly in profiler/, or a source file is over 600 lines.
# profiler/'s stages, low to high, are
#   base < {unwinding, timers} < sampling < output < control
# (unwinding and timers do not include each other), and libcall/ includes
# nothing of profiler/. The CMake targets link in the same direction
# (profiler/CMakeLists.txt); this check covers the headers, which a link
# cannot see.
# Usage: tools/check_layout.sh [repo-root]
set -euo pipefail
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$root"

# The stages each stage may include, itself included.
declare -A may=(
  [base]="base"
  [unwinding]="base unwinding"
  [timers]="base timers"
  [sampling]="base unwinding timers sampling"
  [output]="base unwinding timers sampling output"
  [control]="base unwinding timers sampling output control"
)
bad=0
for stage in "${!may[@]}"; do
  for f in profiler/"$stage"/*.h profiler/"$stage"/*.cc; do
    [ -e "$f" ] || continue
    while IFS= read -r used; do
      if [ -z "${may[$used]+x}" ]; then
        echo "$f: includes profiler/$used/, which is no stage" >&2
        bad=1
      elif [[ " ${may[$stage]} " != *" $used "* ]]; then
        echo "$f: stage $stage includes the higher stage $used" >&2
        bad=1
      fi
    done < <(sed -nE 's@^[[:space:]]*#[[:space:]]*include[[:space:]]+"profiler/([a-z_]+)/.*@\1@p' "$f" | sort -u)
  done
done
if grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"profiler/' libcall/*.h libcall/*.cc >&2; then
  echo "libcall/ must not include profiler/ (above)" >&2
  bad=1
fi
# No source file directly in profiler/: the top holds the stage folders.
for f in profiler/*.h profiler/*.cc; do
  [ -e "$f" ] && { echo "$f: sources belong in a stage folder" >&2; bad=1; }
done
# One concept per file: no source over 600 lines.
while IFS= read -r f; do
  lines=$(wc -l <"$f")
  if [ "$lines" -gt 600 ]; then
    echo "$f: $lines lines, over 600: split it by concept" >&2
    bad=1
  fi
done < <(git ls-files '*.cc' '*.h' '*.c' '*.sh' '*.py' '*.cmake' 'CMakeLists.txt' '*/CMakeLists.txt' 2>/dev/null)
exit $bad
