#!/usr/bin/env bash
# Installs the build into a scratch prefix and uses it as a user would:
# the promised files exist, a CMake project finds it with find_package, a
# plain compiler finds it with pkg-config, `lcprof record` works from the
# prefix, and each resulting profile names the program's hot function.
# Usage: install_test.sh BUILD_DIR CONSUMER_SOURCE_DIR GO
set -euo pipefail
build=$1 consumer_src=$2 go=$3
work=$(mktemp -d /tmp/lcprof-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in lib/liblcprof.so bin/lcprof include/lcprof/lcprof.h include/lcprof/profiler.h \
         include/gperftools/profiler.h lib/cmake/lcprof/lcprofConfig.cmake lib/pkgconfig/lcprof.pc; do
  [ -e "$prefix/$f" ] || fail "missing $prefix/$f"
done

has_hot() {  # profile function
  "$go" tool pprof -top -symbolize=none "$1" 2>/dev/null | grep -qw "$2" \
    || fail "$1 does not name $2"
}

# find_package(lcprof)
cmake -S "$consumer_src" -B "$work/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
LD_LIBRARY_PATH=$prefix/lib "$work/cmake-build/consumer" "$work/a.pb.gz" | grep -qx 'consumer: ok' \
  || fail "find_package consumer did not run"
has_hot "$work/a.pb.gz" consumer_hot

# pkg-config (the .pc file carries an rpath, so no LD_LIBRARY_PATH here)
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
cc -O2 -fno-omit-frame-pointer "$consumer_src/consumer.c" -o "$work/pc-consumer" \
  $(pkg-config --cflags --libs lcprof)
"$work/pc-consumer" "$work/b.pb.gz" | grep -qx 'consumer: ok' || fail "pkg-config consumer did not run"
has_hot "$work/b.pb.gz" consumer_hot

# A program written for gperftools switches by finding lcprof's package
# instead of gperftools' one: the same source, <gperftools/profiler.h>.
gperf_src=$consumer_src/../../programs/gperf_api.c
cc -O2 -fno-omit-frame-pointer "$gperf_src" -o "$work/gperf-api" $(pkg-config --cflags --libs lcprof)
"$work/gperf-api" "$work/g.prof" | grep -qx 'gperf_api: ok' || fail "gperftools program did not run"
has_hot "$work/g.prof" gperf_after_flush
has_hot "$work/g.prof.flushed" gperf_before_flush

# The installed CLI finds the installed library.
"$prefix/bin/lcprof" record -o "$work/c.pb.gz" -- "$build/bin/lcprof-demo" 0.3 >/dev/null 2>"$work/c.err" \
  || fail "lcprof record from the prefix failed: $(cat "$work/c.err")"
has_hot "$work/c.pb.gz" count_primes
echo "install_and_consume: all checks passed"
