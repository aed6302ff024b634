#!/usr/bin/env bash
# The side-by-side benchmark: lcprof against gperftools and perf on the same
# workloads (docs/benchmarks.md). Installs what is missing, builds lcprof
# (unless --lib is given), the workloads and the stopwatch, then runs
# tools/bench/bench.py, which prints a markdown table and writes it, a JSON
# file and a PNG chart to the output directory.
#
#   tools/bench/run.sh [--quick] [--lib PATH/liblcprof.so] [--out DIR]
#                      [--runs N] [--only W1,W2] [--rows R1,R2] [--keep]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/tools/bench

die() { echo "run.sh: $*" >&2; exit 2; }

quick=() lib="" out="" extra=()
command_line="tools/bench/run.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick); shift ;;
    --keep) extra+=(--keep); shift ;;
    --lib|--out|--runs|--only|--rows)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"
      case "$1" in
        --lib) lib=$2 ;;
        --out) out=$2 ;;
        --runs) [[ $2 =~ ^[1-9][0-9]*$ ]] || die "--runs wants a whole number ≥ 1, not '$2'"
                extra+=(--runs "$2") ;;
        --only) extra+=(--only "$2") ;;
        --rows) extra+=(--rows "$2") ;;
      esac
      shift 2 ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (usage: tools/bench/run.sh [--quick] [--lib PATH] [--out DIR] [--runs N] [--only W,...] [--rows R,...] [--keep])" ;;
  esac
done
if [ -n "$lib" ]; then
  [ -f "$lib" ] || die "--lib: no such file: $lib"
  lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")
fi

# --- packages: apt-get update only when something is missing -------------
packages=(libgoogle-perftools-dev linux-perf gnuplot-nox sqlite3 python3 gcc binutils golang-go)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root to install: ${missing[*]}"
    as_root=(sudo)
  fi
  echo "run.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- lcprof ---------------------------------------------------------------
version=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
if [ -z "$lib" ]; then
  build=$(bash "$root/tools/build.sh" lcprof | tail -n 1)
  lib=$build/lib/liblcprof.so
  [ -f "$lib" ] || die "the build did not produce $lib"
else
  version="$version (tree); library given with --lib"
fi

# --- output directory, workloads, stopwatch -------------------------------
[ -n "$out" ] || out=/tmp/lcprof-bench.$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$out/bin"
out=$(cd "$out" && pwd)
cflags=(-O2 -g -fno-omit-frame-pointer -pthread -Wall -Wextra)
cc "${cflags[@]}" -o "$out/bin/benchrun" "$here/benchrun.c"
for w in cpu libc syscall threads deep; do
  cc "${cflags[@]}" -o "$out/bin/$w" "$here/workloads/$w.c"
done

echo "run.sh: lcprof $lib; results in $out" >&2
exec /usr/bin/python3 "$here/bench.py" --lib "$lib" --bindir "$out/bin" --out "$out" \
  --command "$command_line" --lcprof-version "$version" "${quick[@]}" "${extra[@]}"
