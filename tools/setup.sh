#!/usr/bin/env bash
# Installs the Debian 12 packages lcprof needs to build, test and view
# profiles, when they are missing. Idempotent: installs nothing when all are
# present. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config binutils
  libunwind-16-dev            # LLVM libunwind (DWARF unwinding, linked privately)
  libprotobuf-dev protobuf-compiler  # the lcprof command reads profiles back; tests decode them
  zlib1g-dev                  # zlib.h only: liblcprof.so opens libz.so.1 with dlopen
  libiberty-dev               # the binutils/GCC demangler (C++, Rust, D), linked statically
  libdw-dev                   # libdwfl.h only: liblcprof.so opens libdw.so.1 with dlopen (file:line)
  libgtest-dev libbenchmark-dev
  golang-go                   # `go tool pprof`, the viewer and the tests' judge
  clang libclang-rt-14-dev    # libFuzzer targets (tests/fuzz/, tools/fuzz.sh); the runtime is only recommended by clang
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
# libunwind-16-dev conflicts with the other libunwind -dev packages (same
# header names); apt replaces them, which it should say out loud.
if dpkg-query -W -f='${Status}' libunwind-dev 2>/dev/null | grep -q 'install ok installed'; then
  echo "setup: replacing libunwind-dev with libunwind-16-dev (they conflict)" >&2
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
