#!/usr/bin/env bash
# Set-up, configure and build in one step: installs missing packages, then
# configures (once) and builds the tree in build/ (or $LCPROF_BUILD_DIR):
# everything, or only the targets given as arguments.
# Prints the build directory on its last line.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${LCPROF_BUILD_DIR:-$root/build}
bash "$root/tools/setup.sh"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
targets=()
[ $# -gt 0 ] && targets=(--target "$@")
cmake --build "$build" "${targets[@]}" -- -j"$(nproc)" >&2
echo "$build"
