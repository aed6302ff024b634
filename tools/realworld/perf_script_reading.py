"""perf's reference stacks: the gzipped `perf script` text check.sh writes."""

import gzip
import os
import re

from bad_input import fail

PERF_FRAME = re.compile(r"^\s+([0-9a-f]+) (.*) \((.*)\)$")


def is_lcprof_internal(sym, dso):
    """A frame of lcprof's own work (signal handler, start-up, writing the
    profile) rather than one of its libc-named libcall wrappers."""
    return os.path.basename(dso).startswith("liblcprof.so") and (
        sym.startswith(("_Z", "unw_", "__unw_", "_Unwind")) or sym == "[unknown]")


def read_perf(path):
    """Reads `perf script -F comm,tid,ip,sym,dso --no-inline --no-demangle`
    output (gzipped); returns (stacks, kernel_only, own): stacks as in
    read_pprof (count 1 each, kernel frames dropped); kernel_only the number
    of samples without a user frame and own the number inside lcprof's own
    code (perf does not unwind through lcprof's signal frame), both left out."""
    try:
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except (OSError, EOFError) as e:
        fail("cannot read %s: %s" % (path, e))
    stacks, counts, cur, in_sample = [], {"kernel_only": 0, "own": 0}, [], False

    def flush():
        if not in_sample:
            return
        if not cur:
            counts["kernel_only"] += 1
        elif any(is_lcprof_internal(sym, dso) for sym, _, dso in cur):
            counts["own"] += 1
        else:
            stacks.append((1, list(cur)))

    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            flush()
            cur, in_sample = [], True
            continue
        m = PERF_FRAME.match(line)
        if not m:
            continue
        ip, sym, dso = int(m.group(1), 16), m.group(2), m.group(3)
        if dso == "[kernel.kallsyms]" or dso.startswith("[guest.kernel") or ip >= 0xFFFF800000000000:
            continue
        cur.append((sym, ip, dso))
    flush()
    return stacks, counts["kernel_only"], counts["own"]
