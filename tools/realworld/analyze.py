#!/usr/bin/python3
"""Compares lcprof profiles of real programs against `perf record --call-graph
dwarf` of the same programs (docs/realworld-check.md). Standard library only;
run with Debian's /usr/bin/python3.

Input: a work directory written by tools/realworld/check.sh, one
subdirectory per program and in it one per lcprof mode (hybrid, dwarf, fp):

    WORK/PROGRAM/MODE/*.pb.gz*        lcprof's profiles, one per process
    WORK/PROGRAM/MODE/perf.txt.gz     `perf script` of perf's recording of
                                      the same run (or, with check.sh
                                      --reference separate,
                                      WORK/PROGRAM/perf.txt.gz of a run of
                                      its own)
    WORK/meta.txt                     lines for the report's head (optional)

Output: a markdown report on stdout and in --report; exit status 0 when every
program meets the goals in every judged mode, 1 otherwise, 2 on bad input.
"""

import argparse
import bisect
import collections
import glob
import gzip
import os
import re
import subprocess
import sys

MODES = ("hybrid", "dwarf", "fp")
# Outermost frames of a whole stack: the program's entry, a thread's root
# (compared without leading underscores and glibc's __GI_ prefix).
ROOTS = {"start", "clone3", "clone", "start_thread"}
# Frames only ever found between main's caller and the entry. perf's stack
# copy sometimes ends right below them (docs/realworld-check.md): a perf stack
# ending there is complete as far as the program's functions go, and these
# frames are judged by the whole column only, not compared per function.
ENTRY_GLUE = ROOTS | {"libc_start_main"}
MAIN_CALLERS = {"libc_start_call_main", "libc_start_main"}
# lcprof's pseudo-frames (docs/pprof-output.md) name no function.
PSEUDO = re.compile(r"^\[(unknown:|truncated:|lost:|signal\])")


def fail(msg):
    print("analyze: " + msg, file=sys.stderr)
    sys.exit(2)


# --- pprof (protobuf) decoding ------------------------------------------------


def _varint(buf, pos):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _fields(buf):
    """Yields (field number, wire type, value) of one message; value is an int
    for varints and fixed-size fields, bytes for length-delimited ones."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = _varint(buf, pos)
        elif wt == 1:
            val, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        elif wt == 2:
            n, pos = _varint(buf, pos)
            val, pos = buf[pos:pos + n], pos + n
        elif wt == 5:
            val, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        yield num, wt, val


def _ints(wt, val):
    """A repeated integer field: packed (bytes) or one element."""
    if wt != 2:
        return [val]
    out, pos = [], 0
    while pos < len(val):
        v, pos = _varint(val, pos)
        out.append(v)
    return out


def read_pprof(path):
    """Returns (stacks, comments): stacks is a list of (count, frames), frames
    leaf first as (function name, system name, mapping file name)."""
    with gzip.open(path, "rb") as f:
        buf = f.read()
    strings, samples, mappings, locations, functions = [], [], {}, {}, {}
    sample_types, comment_ids = [], []
    for num, wt, val in _fields(buf):
        if num == 1:
            vt = dict((n, v) for n, _, v in _fields(val))
            sample_types.append(vt.get(1, 0))
        elif num == 2:
            locs, vals = [], []
            for n, w, v in _fields(val):
                if n == 1:
                    locs += _ints(w, v)
                elif n == 2:
                    vals += _ints(w, v)
            samples.append((locs, vals))
        elif num == 3:
            m = dict((n, v) for n, _, v in _fields(val))
            mappings[m.get(1, 0)] = m.get(5, 0)
        elif num == 4:
            loc_id, map_id, lines = 0, 0, []
            for n, _, v in _fields(val):
                if n == 1:
                    loc_id = v
                elif n == 2:
                    map_id = v
                elif n == 4:
                    lines.append(dict((a, b) for a, _, b in _fields(v)).get(1, 0))
            locations[loc_id] = (map_id, lines)
        elif num == 5:
            fn = dict((n, v) for n, _, v in _fields(val))
            functions[fn.get(1, 0)] = (fn.get(2, 0), fn.get(3, 0))
        elif num == 6:
            strings.append(val.decode("utf-8", "replace"))
        elif num == 13:
            comment_ids += _ints(wt, val)
    try:
        count_index = [strings[t] for t in sample_types].index("samples")
    except ValueError:
        count_index = 0
    stacks = []
    for locs, vals in samples:
        frames = []
        for loc_id in locs:
            map_id, lines = locations.get(loc_id, (0, []))
            module = strings[mappings.get(map_id, 0)]
            # Several lines = inlined functions, the innermost first.
            for fid in lines or [0]:
                name_i, sys_i = functions.get(fid, (0, 0))
                frames.append((strings[name_i], strings[sys_i], module))
        stacks.append((vals[count_index] if count_index < len(vals) else 1, frames))
    return stacks, [strings[i] for i in comment_ids]


# --- perf script ----------------------------------------------------------------

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


# --- names ------------------------------------------------------------------------


class Names:
    """Normalises frames of both profilers to one identity per function:
    "symbol [module]" with the symbol's mangled name, its symbol version
    stripped and, among aliases (several symbols at one address in the
    module's .dynsym/.symtab or its /usr/lib/debug file), one canonical name;
    "[0xSTART] [module]" for code no symbol covers, START being the
    file offset of the function's start in .eh_frame_hdr ("[unknown]
    [module]" when that table cannot be read); "[unknown]" for code in no
    module."""

    def __init__(self):
        self.aliases = {}  # module base name -> {name: canonical name}
        self.fdes = {}  # module path -> sorted function start offsets

    def _fde_starts(self, path):
        """(sorted file offsets of the functions .eh_frame_hdr lists, file
        offset of the entry point) for an ELF64 little-endian file with the
        usual datarel|sdata4 table, or None."""
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return None
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            return None
        u = lambda o, n: int.from_bytes(data[o:o + n], "little")
        s4 = lambda o: int.from_bytes(data[o:o + 4], "little", signed=True)
        phoff, phentsize, phnum = u(0x20, 8), u(0x36, 2), u(0x38, 2)
        loads, hdr = [], None
        for i in range(phnum):
            o = phoff + i * phentsize
            p_type, p_offset, p_vaddr, p_filesz = u(o, 4), u(o + 8, 8), u(o + 16, 8), u(o + 32, 8)
            if p_type == 1:
                loads.append((p_vaddr, p_filesz, p_offset))
            elif p_type == 0x6474E550:
                hdr = (p_offset, p_vaddr)
        if not hdr:
            return None
        def file_offset(v):
            for lv, lsz, loff in loads:
                if lv <= v < lv + lsz:
                    return v - lv + loff
            return None

        o, hv = hdr
        ptr_enc, count_enc, table_enc = data[o + 1], data[o + 2], data[o + 3]
        sizes = {0x03: 4, 0x0B: 4, 0x1B: 4, 0x04: 8, 0x0C: 8, 0x1C: 8}
        if ptr_enc not in sizes or count_enc not in sizes or table_enc != 0x3B:
            return None
        pos = o + 4 + sizes[ptr_enc]
        count = u(pos, sizes[count_enc])
        pos += sizes[count_enc]
        starts = (file_offset(hv + s4(pos + 8 * i)) for i in range(count))
        return sorted(x for x in starts if x is not None), file_offset(u(0x18, 8))

    def unknown(self, module_path, offset):
        """"[unknown] [module]", or "[0xSTART] [module]" naming the function (FDE)
        that holds the file offset when the module's unwind table is readable;
        "_start [module]" for the function at the ELF entry point (stripped
        executables have no symbol for it)."""
        base = os.path.basename(module_path)
        if module_path not in self.fdes:
            self.fdes[module_path] = self._fde_starts(module_path) if os.path.isfile(module_path) else None
        table = self.fdes[module_path]
        if offset is not None and table and table[0]:
            starts, entry = table
            i = bisect.bisect_right(starts, offset) - 1
            if i >= 0:
                if starts[i] == entry:
                    return "_start [%s]" % base
                return "[0x%x] [%s]" % (starts[i], base)
        return "[unknown] [%s]" % base

    @staticmethod
    def strip_version(name):
        return name.split("@", 1)[0]

    def _symbols(self, path):
        files = [path]
        try:
            notes = subprocess.run(["readelf", "-nW", path], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
            m = re.search(r"Build ID: ([0-9a-f]{2})([0-9a-f]+)", notes)
            if m:
                debug = "/usr/lib/debug/.build-id/%s/%s.debug" % (m.group(1), m.group(2))
                if os.path.exists(debug):
                    files.append(debug)
        except OSError:
            return {}
        by_name = collections.defaultdict(set)
        for f in files:
            out = subprocess.run(["readelf", "-sW", "--dyn-syms", f], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
            for line in out.splitlines():
                parts = line.split()
                # Num: Value Size Type Bind Vis Ndx Name
                if len(parts) < 8 or parts[3] not in ("FUNC", "IFUNC") or parts[6] == "UND":
                    continue
                try:
                    value = int(parts[1], 16)
                except ValueError:
                    continue
                if value:
                    by_name[self.strip_version(parts[7])].add(value)
        by_value = collections.defaultdict(set)
        for name, values in by_name.items():
            if len(values) == 1:
                by_value[next(iter(values))].add(name)
        canon = {}
        for names in by_value.values():
            # Prefer the public-looking name: fewest leading underscores, no
            # __GI_ alias, then the shortest.
            best = min(names, key=lambda n: (n.startswith("__GI_"), len(n) - len(n.lstrip("_")),
                                             len(n), n))
            for n in names:
                canon[n] = best
        return canon

    def canonical(self, name, module_path):
        base = os.path.basename(module_path)
        if base not in self.aliases:
            self.aliases[base] = self._symbols(module_path) if os.path.isfile(module_path) else {}
        return self.aliases[base].get(name, name)

    def lcprof(self, frame):
        name, system_name, module = frame
        if PSEUDO.match(name):
            return name
        if name.startswith("[unmapped"):
            return "[unknown]"
        base = os.path.basename(module) if module else ""
        # MODULE+0xOFFSET: an address no symbol covers.
        m = re.match(r"^(\S+)\+0x([0-9a-f]+)$", name)
        if m:
            return self.unknown(module or m.group(1), int(m.group(2), 16))
        sym = self.strip_version(system_name or name)
        return "%s [%s]" % (self.canonical(sym, module), base)

    def perf(self, frame, leaf):
        sym, ip, dso = frame
        base = os.path.basename(dso)
        if dso in ("[unknown]", ""):
            return "[unknown]"
        if sym == "[unknown]":
            # perf prints user ips as file offsets in the module; a caller's
            # is its return address, which may lie past the function's end.
            return self.unknown(dso, ip if leaf else ip - 1)
        sym = re.sub(r"\+0x[0-9a-f]+$", "", self.strip_version(sym))
        return "%s [%s]" % (self.canonical(sym, dso), base)


def function_of(identity):
    return identity.rsplit(" [", 1)[0]


def base_name(identity):
    name = function_of(identity).lstrip("_")
    return name[3:].lstrip("_") if name.startswith("GI_") else name


def is_root(identity):
    return base_name(identity) in ROOTS


_demangled = {}


def pretty(identity, width=70):
    """A readable form of an identity: demangled (c++filt), shortened."""
    if identity not in _demangled:
        fn, _, module = identity.rpartition(" [")
        if not fn:
            fn, module = identity, ""
        name = fn
        if fn.startswith("_Z"):
            try:
                name = subprocess.run(["c++filt", fn], stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL).stdout.decode().strip() or fn
            except OSError:
                pass
        if len(name) > width:
            name = name[:width - 1] + "…"
        module = re.sub(r"\.cpython-[^.]+", "", module)
        _demangled[identity] = name + (" [" + module if module else "")
    return _demangled[identity].replace("|", "\\|")


# --- statistics ---------------------------------------------------------------------


class Stats:
    def __init__(self, stacks):
        """stacks: (count, [identity, ...] leaf first)."""
        self.total = sum(c for c, _ in stacks)
        self.whole = sum(c for c, f in stacks if f and is_root(f[-1]))
        # Whole, or ending in main's caller (all of the program's frames there).
        self.complete = sum(c for c, f in stacks
                            if f and (is_root(f[-1]) or base_name(f[-1]) in MAIN_CALLERS))
        self.truncated = sum(c for c, f in stacks if f and f[-1].startswith("[truncated"))
        cum = collections.Counter()
        pseudo = collections.Counter()
        for count, frames in stacks:
            for ident in set(frames):
                (pseudo if PSEUDO.match(ident) else cum)[ident] += count
        self.cum = cum
        self.pseudo = pseudo
        self.incomplete_ends = collections.Counter()
        for count, frames in stacks:
            if not frames:
                self.incomplete_ends[("(no frame)",)] += count
            elif not is_root(frames[-1]):
                # A pseudo-frame with the frame where the walk stopped.
                end = frames[-2:] if PSEUDO.match(frames[-1]) and len(frames) > 1 else frames[-1:]
                self.incomplete_ends[tuple(end)] += count

    def share(self, ident):
        return 100.0 * self.cum.get(ident, 0) / self.total if self.total else 0.0

    def whole_pct(self):
        return 100.0 * self.whole / self.total if self.total else 0.0

    def complete_pct(self):
        return 100.0 * self.complete / self.total if self.total else 0.0


def error(l, p, t):
    """lcprof's share l against perf's p, perf having t% incomplete stacks."""
    return max(0.0, p - l, l - (p + t))


def compare(lc, pf):
    """Per function above 5% cumulative in either profile, entry frames
    aside: (error, ident, lcprof share, perf share). perf's stacks that stop
    before main's caller may lack outer frames, so perf's true share lies in
    [p, p + t], t being its share of such stacks; the error is lcprof's
    distance to that range."""
    t = 100.0 - pf.complete_pct()
    rows = []
    for ident in set(lc.cum) | set(pf.cum):
        l, p = lc.share(ident), pf.share(ident)
        if max(l, p) <= 5.0 or base_name(ident) in ENTRY_GLUE:
            continue
        err = error(l, p, t)
        rows.append((err, ident, l, p))
    rows.sort(key=lambda r: (-r[0], -max(r[2], r[3]), r[1]))
    return rows


# --- main ---------------------------------------------------------------------------


def load_lcprof(names, files):
    """(Stats, timers named in the profiles' comments, samples in lcprof's
    own code left out: its collector thread, its start-up)."""
    stacks, timers, own = [], set(), 0

    def internal(frame):
        name, system_name, module = frame
        sym = system_name or name
        return is_lcprof_internal("[unknown]" if re.match(r"^\S+\+0x[0-9a-f]+$", sym) else sym,
                                  module or "")

    for f in files:
        try:
            st, comments = read_pprof(f)
        except (OSError, EOFError, ValueError, IndexError, UnicodeDecodeError) as e:
            fail("cannot read lcprof profile %s: %s" % (f, e))
        for c, frames in st:
            if any(internal(fr) for fr in frames):
                own += c
            else:
                stacks.append((c, [names.lcprof(fr) for fr in frames]))
        for c in comments:
            m = re.match(r"lcprof: timer (\w+)", c)
            if m:
                timers.add(m.group(1))
    return Stats(stacks), timers, own


def load_perf(names, path):
    raw, kernel_only, own = read_perf(path)
    return Stats([(c, [names.perf(f, i == 0) for i, f in enumerate(frames)])
                  for c, frames in raw]), kernel_only, own


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("work", help="work directory written by check.sh")
    ap.add_argument("--report", help="also write the report to this file")
    ap.add_argument("--judge", default="hybrid",
                    help="lcprof modes whose goals decide the exit status (comma list)")
    ap.add_argument("--whole-goal", type=float, default=98.0)
    ap.add_argument("--error-goal", type=float, default=3.0)
    ap.add_argument("--programs", help="comma list (default: every subdirectory)")
    args = ap.parse_args()
    if not os.path.isdir(args.work):
        fail("no such work directory: %s" % args.work)
    judged = [m for m in args.judge.split(",") if m]
    bad = [m for m in judged if m not in MODES]
    if bad or not judged:
        fail("bad --judge '%s' (a comma list of %s)" % (args.judge, ", ".join(MODES)))
    if args.programs:
        programs = args.programs.split(",")
    else:
        found = [d for d in os.listdir(args.work)
                 if any(os.path.isdir(os.path.join(args.work, d, m)) for m in MODES)]
        known = ("python", "gxx", "xz", "plugin")  # check.sh's order
        programs = [p for p in known if p in found] + sorted(set(found) - set(known))
    if not programs:
        fail("no program directories in %s" % args.work)

    names = Names()
    summary = ["| program | lcprof unwinder | samples lcprof / perf | whole % | perf whole % (to "
               "main's caller) | depth-cut % | in lcprof's code % (lcprof / perf) | worst error (points) | function with "
               "the worst error: lcprof vs perf % | goal |",
               "|---|---|---:|---:|---:|---:|---:|---:|---|---|"]
    details, notes, verdicts, all_ok = [], [], [], True
    for prog in programs:
        pdir = os.path.join(args.work, prog)
        # (mode, lcprof Stats, perf Stats, t): t = perf's share of stacks
        # that stop before main's caller.
        runs = []
        for mode in MODES:
            files = [f for f in sorted(glob.glob(os.path.join(pdir, mode, "*.pb.gz*")))
                     if ".lcprof-tmp." not in f]
            if not files:
                continue
            # The reference: perf recording the same run, or a run of its own.
            perf_data = os.path.join(pdir, mode, "perf.txt.gz")
            if not os.path.isfile(perf_data):
                perf_data = os.path.join(pdir, "perf.txt.gz")
            if not os.path.isfile(perf_data):
                fail("%s, %s: no perf.txt.gz beside the lcprof profiles or above them" % (prog, mode))
            pf, kernel_only, own = load_perf(names, perf_data)
            if pf.total == 0:
                fail("%s, %s: perf recorded no samples with user frames" % (prog, mode))
            lc, timers, lc_own = load_lcprof(names, files)
            runs.append((mode, lc, pf, 100.0 - pf.complete_pct(), (lc_own, own)))
            if timers - {"perf"}:
                notes.append("%s, %s: lcprof's timer was %s, not perf." % (
                    prog, mode, ",".join(sorted(timers))))
            if pf.whole_pct() < args.whole_goal:
                notes.append("%s, %s: perf's own stacks reach the entry in %.1f%% of samples, main's "
                             "caller in %.1f%%; lcprof shares up to %.1f points above perf's are "
                             "not counted as errors." % (prog, mode, pf.whole_pct(),
                                                          pf.complete_pct(), 100.0 - pf.complete_pct()))
            if kernel_only:
                notes.append("%s, %s: %d perf samples without a user frame left out." % (
                    prog, mode, kernel_only))
            try:
                with open(os.path.join(pdir, mode, "run.err"), errors="replace") as f:
                    for line in f:
                        if line.startswith("lcprof:") and "samples" not in line:
                            notes.append("%s, %s: %s" % (prog, mode, line.strip()))
            except OSError:
                pass
        if not runs:
            fail("%s: no lcprof profiles in %s" % (prog, pdir))

        failed = []
        for mode, lc, pf, t, own in runs:
            rows = compare(lc, pf)
            worst = rows[0] if rows else (0.0, "", 0.0, 0.0)
            ok = lc.whole_pct() >= args.whole_goal and worst[0] <= args.error_goal
            if mode in judged:
                all_ok &= ok
                verdict = "PASS" if ok else "FAIL"
                if lc.whole_pct() < args.whole_goal:
                    failed.append("%s whole %.1f%% < %.0f%%" % (mode, lc.whole_pct(), args.whole_goal))
                if worst[0] > args.error_goal:
                    failed.append("%s off by %.1f points on %s" % (mode, worst[0], pretty(worst[1], 40)))
            else:
                verdict = "(pass)" if ok else "(fail)"
            summary.append("| %s | %s | %d / %d | %.1f | %.1f (%.1f) | %.1f | %s | %.1f | %s | %s |" % (
                prog, mode, lc.total, pf.total, lc.whole_pct(), pf.whole_pct(), pf.complete_pct(),
                100.0 * lc.truncated / max(1, lc.total),
                "%.1f / %.1f" % (100.0 * own[0] / max(1, own[0] + lc.total),
                                 100.0 * own[1] / max(1, own[1] + pf.total)),
                worst[0], "%s: %.1f vs %.1f" % (pretty(worst[1], 50), worst[2], worst[3])
                if worst[0] > 0 else "–", verdict))
        verdicts.append("- %s: %s" % (prog, "PASS" if not failed else "FAIL (" + "; ".join(failed) + ")"))

        # Details: every function above 5% in some profile, the pseudo-frames,
        # and where incomplete stacks end.
        idents = set()
        for _, lc, pf, _, _ in runs:
            idents |= set(i for st in (lc, pf) for i in st.cum if st.share(i) > 5.0)
        first_pf = runs[0][2]
        det = ["### %s" % prog, "",
               "Cumulative share (%% of samples whose stack holds the function) of every function "
               "above 5%% in some profile, lcprof and the perf recording its reference; in brackets "
               "lcprof's difference to perf where it counts as an error (above %.0f points)." % (
                   args.error_goal), "",
               "| function [module] | " + " | ".join("%s | perf" % m for m, _, _, _, _ in runs) + " |",
               "|---|" + "---:|---:|" * len(runs)]
        for ident in sorted(idents, key=lambda i: (-first_pf.share(i), i)):
            cells = []
            for _, lc, pf, t, _ in runs:
                l, p = lc.share(ident), pf.share(ident)
                err = 0.0 if base_name(ident) in ENTRY_GLUE else error(l, p, t)
                cells.append("%.1f%s | %.1f" % (l, " (%+.1f)" % (l - p) if err > args.error_goal else "", p))
            det.append("| %s | %s |" % (pretty(ident), " | ".join(cells)))
        pseudo = set()
        for _, lc, _, _, _ in runs:
            pseudo |= set(lc.pseudo)
        for ident in sorted(pseudo):
            det.append("| *%s* | %s |" % (ident, " | ".join(
                "%.1f | –" % (100.0 * lc.pseudo.get(ident, 0) / max(1, lc.total)) for _, lc, _, _, _ in runs)))
        det += ["", "Where the stacks that do not reach an entry end (outermost frame; for lcprof's "
                "pseudo-frames, the frame where the walk stopped first; share of all samples):", ""]
        for mode, lc, pf, _, _ in runs:
            for label, st in (("lcprof " + mode, lc), ("perf (reference of %s)" % mode, pf)):
                ends = st.incomplete_ends.most_common(4)
                det.append("- %s: %s" % (label, ", ".join(
                    "%s %.1f%%" % (" → ".join(pretty(i, 50) for i in e), 100.0 * c / st.total)
                    for e, c in ends) or "none"))
        details += det + [""]

    out = []
    meta = os.path.join(args.work, "meta.txt")
    if os.path.isfile(meta):
        with open(meta) as f:
            out += ["- " + line.rstrip("\n") for line in f if line.strip()] + [""]
    out += summary + [""]
    out += ["Goals: whole ≥ %.0f%% and worst error ≤ %.0f points (over functions above 5%% "
            "cumulative in either profile). Judged: lcprof %s; other rows' verdicts in brackets, "
            "for information." % (args.whole_goal, args.error_goal, ", ".join(judged)), ""]
    out += verdicts + [""]
    if notes:
        out += ["Notes:", ""] + ["- " + n for n in notes] + [""]
    out += ["## Per program", ""] + details
    out.append("Result: %s" % ("PASS" if all_ok else "FAIL"))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    if args.report:
        with open(args.report, "w") as f:
            f.write(text)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
