#!/usr/bin/env bash
# Real-world accuracy check (docs/realworld-check.md): profiles Debian-packaged
# programs built without frame pointers (python3, g++, xz) and a dlopen plugin
# host under lcprof (LD_PRELOAD, perf timer, each unwinder) while
# `perf record --call-graph dwarf` records the same run, then compares the
# stacks (analyze.py) and prints a markdown report.
#
#   tools/realworld/check.sh [--lib PATH] [--work DIR] [--report FILE]
#       [--hz N] [--modes "hybrid dwarf fp"] [--programs "python gxx xz plugin"]
#       [--judge hybrid[,dwarf]] [--reference paired|sampled|separate]
#       [--keep-perf-data]
#
#   --lib       liblcprof.so (default $LCPROF_LIB, else build/lib/liblcprof.so)
#   --work      work directory, emptied first (default a new /tmp/lcprof-realworld-*)
#   --report    report file (default WORK/report.md)
#   --hz        LCPROF_HZ, and perf's -F when perf samples (default 499)
#   --judge     the lcprof modes whose goals decide the exit status (default hybrid)
#   --reference what perf records (default paired):
#               paired    the same run, a stack at each of lcprof's SIGPROF
#                         deliveries (tracepoint signal:signal_deliver): both
#                         profilers see the very same sample points
#               sampled   the same run, perf's own task-clock samples at -F HZ
#               separate  a run of its own, task-clock samples at -F HZ
#               (paired falls back to sampled where the tracepoint is missing)
#   --keep-perf-data  keep perf.data files (default: only their `perf script` text)
#
# Exit status: 0 every program meets the goals, 1 some does not, 2 bad input
# or a program failed, 77 skipped (perf cannot record here, or the packages
# needed cannot be installed).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
lib=${LCPROF_LIB:-$root/build/lib/liblcprof.so}
work=""
report=""
hz=499
modes="hybrid dwarf fp"
programs="python gxx xz plugin"
judge="hybrid"
reference=paired
keep_perf_data=0
perf_stack=65528          # bytes of user stack perf copies per sample: its maximum
skip_code=77              # ctest's SKIP_RETURN_CODE (tests/realworld/CMakeLists.txt)
python=/usr/bin/python3   # Debian's, not whatever `python3` is first on PATH

die() { echo "realworld: $*" >&2; exit 2; }
skip() { echo "realworld: skipped: $*"; exit "$skip_code"; }

while [ $# -gt 0 ]; do
  case $1 in
    --lib|--work|--report|--hz|--modes|--programs|--judge|--reference)
      [ $# -ge 2 ] || die "$1 needs a value"
      case $1 in
        --lib) lib=$2 ;; --work) work=$2 ;; --report) report=$2 ;; --hz) hz=$2 ;;
        --modes) modes=$2 ;; --programs) programs=$2 ;; --judge) judge=$2 ;;
        --reference) reference=$2 ;;
      esac
      shift 2 ;;
    --keep-perf-data) keep_perf_data=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[[ $hz =~ ^[0-9]+$ ]] && [ "$hz" -ge 1 ] && [ "$hz" -le 10000 ] ||
  die "--hz must be a whole number 1..10000, not '$hz'"
case $reference in paired|sampled|separate) ;; *) die "--reference must be paired, sampled or separate, not '$reference'" ;; esac
[ -n "$modes" ] || die "--modes is empty"
for m in $modes; do
  case $m in hybrid|dwarf|fp) ;; *) die "unknown mode '$m' in --modes (hybrid, dwarf, fp)" ;; esac
done
[ -n "$programs" ] || die "--programs is empty"
for p in $programs; do
  case $p in python|gxx|xz|plugin) ;; *) die "unknown program '$p' in --programs (python, gxx, xz, plugin)" ;; esac
done
for m in ${judge//,/ }; do
  [[ " $modes " == *" $m "* ]] || die "--judge mode '$m' is not among --modes '$modes'"
done
[ -f "$lib" ] || die "liblcprof.so not found at $lib (build it, or pass --lib)"
lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")

# --- packages ---------------------------------------------------------------
packages=(linux-perf python3 xz-utils g++ gcc binutils gzip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || skip "need root to install ${missing[*]}"
    as_root=(sudo)
  fi
  echo "realworld: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  { "${as_root[@]}" apt-get update -qq &&
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
    skip "could not install ${missing[*]}"
fi
for tool in perf xz gcc /usr/bin/g++ readelf c++filt gzip "$python"; do
  command -v "$tool" >/dev/null || skip "$tool not found after installing its package"
done

# --- work directory, perf probe -----------------------------------------------
if [ -z "$work" ]; then
  work=$(mktemp -d /tmp/lcprof-realworld-XXXXXX)
else
  # Only ever empty a directory this script made (it holds meta.txt).
  if [ -d "$work" ] && [ -n "$(ls -A "$work")" ] && [ ! -f "$work/meta.txt" ]; then
    die "--work $work is not empty and not a previous work directory of this check"
  fi
  rm -rf "$work"
  mkdir -p "$work"
fi
work=$(cd "$work" && pwd)
[ -n "$report" ] || report=$work/report.md

# -N: leave perf's build-id cache (~/.debug) alone.
perf_record=(perf record -q -N --call-graph "dwarf,$perf_stack")
sampling=(-e task-clock -F "$hz")
# lcprof's perf-timer signals: SIGPROF (27) with si_code POLL_IN..POLL_HUP
# (the process itimer's SI_KERNEL ones, which lcprof drops, left out).
deliveries=(-e signal:signal_deliver --filter 'sig == 27 && code >= 1 && code <= 6')
if ! probe=$("${perf_record[@]}" "${sampling[@]}" -o "$work/probe.data" -- /bin/true 2>&1); then
  skip "perf cannot record here: $(printf '%s\n' "$probe" | grep -m1 . || echo 'no message')"
fi
if ! probe=$(perf script -i "$work/probe.data" 2>&1 >/dev/null); then
  skip "perf script cannot read its own recording: $(printf '%s\n' "$probe" | grep -m1 .)"
fi
if [ "$reference" = paired ] &&
   ! probe=$("${perf_record[@]}" "${deliveries[@]}" -o "$work/probe.data" -- /bin/true 2>&1); then
  echo "realworld: tracepoint signal:signal_deliver unusable ($(printf '%s\n' "$probe" | grep -m1 .)); perf samples on its own timer instead" >&2
  reference=sampled
fi
rm -f "$work/probe.data"
if [ "$reference" = paired ]; then
  perf_record+=("${deliveries[@]}")
else
  perf_record+=("${sampling[@]}")
fi

# --- inputs -------------------------------------------------------------------
bin=$work/bin
mkdir -p "$bin"
if [[ " $programs " == *" plugin "* ]]; then
  gcc -O2 -fomit-frame-pointer -o "$bin/plugin_host" "$here/plugin_host.c" -ldl
  gcc -O2 -fomit-frame-pointer -fPIC -shared -o "$bin/plugin.so" "$here/plugin.c"
fi
if [[ " $programs " == *" xz "* ]]; then
  # 3 MiB of word salad, the same bytes every run.
  "$python" -I -c '
import random, sys
rng = random.Random(1)
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
         for _ in range(3000)]
out, size = [], 0
while size < 3 << 20:
    line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) + " %d\n" % rng.randint(0, 10**6)
    out.append(line)
    size += len(line)
sys.stdout.write("".join(out))' >"$bin/xz-input.txt"
fi

# cmd=(the command line of program $1), run in its directory $dir. Each takes
# 2-5 CPU-seconds here.
program_cmd() {
  case $1 in
    python) cmd=("$python" -I -B "$here/py_workload.py" 30) ;;
    # No garbage collection (a 4 GiB threshold): the collector's marking
    # recursion goes deeper than lcprof's 250-frame limit and perf's stack copy.
    gxx) cmd=(/usr/bin/g++ -O2 -std=c++17 -DREALWORLD_WIDTH=4 --param ggc-min-expand=1000
              --param ggc-min-heapsize=4194304 -c "$here/templates.cc" -o "$dir/templates.o") ;;
    xz) cmd=(/usr/bin/xz -9 -T1 -c "$bin/xz-input.txt") ;;
    plugin) cmd=("$bin/plugin_host" "$bin/plugin.so" 500) ;;
  esac
}

# run LABEL OUTPUT-PREFIX [VAR=VALUE...]: runs $cmd with the variables set,
# its output to OUTPUT-PREFIX.out/.err, and says how long it took.
run() {
  local label=$1 prefix=$2 start ms
  shift 2
  start=$(date +%s%N)
  if ! env "$@" "${cmd[@]}" >"$prefix.out" 2>"$prefix.err"; then
    die "$label failed: $(tail -n 1 "$prefix.err")"
  fi
  ms=$((($(date +%s%N) - start) / 1000000))
  printf 'realworld: %-20s %3d.%d s\n' "$label" $((ms / 1000)) $((ms % 1000 / 100)) >&2
}

# perf_text DIR: DIR/perf.data -> DIR/perf.txt.gz, the stacks analyze.py reads
# (user and kernel frames, mangled names, no inlined frames).
perf_text() {
  if ! perf script -i "$1/perf.data" -F comm,tid,ip,sym,dso --no-inline --no-demangle \
       2>"$1/perf-script.err" | gzip -1 >"$1/perf.txt.gz"; then
    die "perf script failed on $1/perf.data: $(tail -n 1 "$1/perf-script.err")"
  fi
  [ "$keep_perf_data" -eq 1 ] || rm -f "$1/perf.data"
}

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); kernel $(uname -r); $(nproc) CPUs" \
       "($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'))"
  echo "lcprof: $lib (tree $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown));" \
       "LCPROF_TIMER=perf LCPROF_HZ=$hz LCPROF_DEPTH=250"
  echo "perf: $(perf --version), ${perf_record[*]:1}; reference: $reference" \
       "($(case $reference in
             paired) echo "the same runs, at each of lcprof's SIGPROF deliveries" ;;
             sampled) echo "the same runs, perf's own samples" ;;
             separate) echo "runs of its own" ;;
           esac))"
} >"$work/meta.txt"

started=$SECONDS
for prog in $programs; do
  dir=$work/$prog
  mkdir -p "$dir"
  if [ "$reference" = separate ]; then
    program_cmd "$prog"
    cmd=("${perf_record[@]}" -o "$dir/perf.data" -- "${cmd[@]}")
    run "$prog perf" "$dir/perf"
    perf_text "$dir"
  fi
  for mode in $modes; do
    program_cmd "$prog"
    mkdir -p "$dir/$mode"
    lcprof_env=(LD_PRELOAD="$lib" LCPROF_OUT="$dir/$mode/prof.%p.pb.gz" LCPROF_TIMER=perf
                LCPROF_HZ="$hz" LCPROF_UNWIND="$mode" LCPROF_DEPTH=250)
    if [ "$reference" = separate ]; then
      run "$prog $mode" "$dir/$mode/run" "${lcprof_env[@]}"
    else
      # perf records the very run lcprof profiles; `env` keeps perf itself
      # out of LD_PRELOAD.
      cmd=("${perf_record[@]}" -o "$dir/$mode/perf.data" -- env "${lcprof_env[@]}" "${cmd[@]}")
      run "$prog $mode + perf" "$dir/$mode/run"
      perf_text "$dir/$mode"
    fi
  done
done
echo "realworld: programs ran in $((SECONDS - started)) s" >&2

status=0
"$python" -I "$here/analyze.py" "$work" --programs "$(echo $programs | tr ' ' ,)" \
  --judge "$judge" --report "$report" || status=$?
echo "realworld: report in $report, profiles in $work; $((SECONDS - started)) s in all" >&2
exit "$status"
