#!/usr/bin/env bash
# Regenerates the seed corpora in tests/fuzz/corpus/ from small modules
# built here (the committed seeds came from this script; run it again only
# to change them). Needs clang, readelf and nm.
#  elf_symbols/: a shared library and an executable with .symtab, the same
#                stripped (dynamic symbols only), and one with a build ID.
#  cfi_reader/:  [u32 pc offset][u32 .eh_frame_hdr offset][the module file],
#                one seed per function of a shared library whose PT_LOAD
#                segments map file offset = virtual address (so the file is
#                its own memory image).
#  proc_maps/:   maps text with the shapes the parser must handle.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
corpus=$here/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/mod.c" <<'C'
#include <stdio.h>
int leaf(int x) { return x * 3 + 1; }
int middle(int x) { return leaf(x) + leaf(x + 1); }
static int hidden(int x) { volatile int y = x; return y; }
int top(int x) { printf("%d\n", middle(x)); return hidden(x); }
int main(void) { return top(1); }
C
clang -O1 -g0 -fPIC -shared -fno-omit-frame-pointer -Wl,--build-id=sha1 -o "$work/mod.so" "$work/mod.c"
clang -O1 -g0 -fasynchronous-unwind-tables -o "$work/mod_exe" "$work/mod.c"
strip -o "$work/mod_stripped.so" "$work/mod.so"
clang -O1 -g0 -fPIC -shared -Wl,--build-id=none -o "$work/mod_noid.so" "$work/mod.c"

rm -rf "$corpus"
mkdir -p "$corpus/elf_symbols" "$corpus/cfi_reader" "$corpus/proc_maps"
cp "$work/mod.so" "$corpus/elf_symbols/shared_library"
cp "$work/mod_exe" "$corpus/elf_symbols/executable"
cp "$work/mod_stripped.so" "$corpus/elf_symbols/stripped"
cp "$work/mod_noid.so" "$corpus/elf_symbols/no_build_id"

# The file must be its own memory image where the reader looks: every
# read-only PT_LOAD (code, .eh_frame_hdr, .eh_frame) has offset = vaddr.
readelf -lW "$work/mod.so" | awk '$1 == "LOAD" && !/RW/ && $2 != $3 { bad = 1 } END { exit bad }' || {
  echo "make_seeds: mod.so's segments are not laid out as in memory" >&2
  exit 1
}
u32le() { local i; for i in 0 1 2 3; do printf "\\x$(printf %02x $(($1 >> 8 * i & 255)))"; done; }
hdr=$((0x$(readelf -SW "$work/mod.so" | awk '$2 == ".eh_frame_hdr" { print $4 }')))
for fn in leaf middle top main; do
  pc=$((0x$(nm "$work/mod.so" | awk -v f="$fn" '$3 == f { print $1 }') + 1))
  { u32le "$pc"; u32le "$hdr"; cat "$work/mod.so"; } >"$corpus/cfi_reader/$fn"
done

cat >"$corpus/proc_maps/typical" <<'MAPS'
55d0c8a00000-55d0c8a02000 r--p 00000000 08:01 1311490                    /usr/bin/cat
55d0c8a02000-55d0c8a07000 r-xp 00002000 08:01 1311490                    /usr/bin/cat
55d0c9e3d000-55d0c9e5e000 rw-p 00000000 00:00 0                          [heap]
7f1b2c000000-7f1b2c021000 rw-p 00000000 00:00 0 
7f1b2e228000-7f1b2e24e000 r--p 00000000 08:01 1315848                    /usr/lib/x86_64-linux-gnu/libc.so.6
7f1b2e24e000-7f1b2e3a3000 r-xp 00026000 08:01 1315848                    /usr/lib/x86_64-linux-gnu/libc.so.6
7ffd5a6f3000-7ffd5a714000 rw-p 00000000 00:00 0                          [stack]
7ffd5a7d4000-7ffd5a7d6000 r-xp 00000000 00:00 0                          [vdso]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
MAPS
cat >"$corpus/proc_maps/odd_paths" <<'MAPS'
7f0000000000-7f0000001000 r-xp 00000000 fd:00 42                         /tmp/a dir/with spaces.so
7f0000001000-7f0000002000 r-xp 00001000 fd:00 43                         /tmp/gone.so (deleted)
7f0000002000-7f0000003000 rw-s 00000000 00:05 44                         /memfd:jit (deleted)
7f0000003000-7f0000004000 ---p 00000000 00:00 0
MAPS
printf '7f0000000000-7f0000001000 r-xp 00000000 fd:00 42 /no/newline.so' >"$corpus/proc_maps/no_final_newline"
echo "make_seeds: wrote $(find "$corpus" -type f | wc -l) seeds"
