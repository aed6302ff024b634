"""Reading one run's profiles into samples (count, CPU, thread, frames):
lcprof's and gperftools' through go tool pprof, perf's through perf script."""

import os
import re
import subprocess


class Sample:
    __slots__ = ("count", "cpu_ns", "tid", "frames")

    def __init__(self, count, cpu_ns, tid, frames):
        self.count, self.cpu_ns, self.tid, self.frames = count, cpu_ns, tid, frames


class ElfSymbols:
    """Address → function name for one ELF file, from nm and readelf: what
    gperftools' profiles need (they hold addresses only, and go tool pprof
    here symbolizes few of them)."""

    def __init__(self, path):
        self.addrs, self.names, self.loads = [], [], []
        try:
            syms = self._nm(["nm", "-n", "--defined-only", path]) or \
                self._nm(["nm", "-D", "-n", "--defined-only", path])
            hdr = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout
        except OSError:
            return
        for a, n in syms:
            self.addrs.append(a)
            self.names.append(n)
        for line in hdr.splitlines():
            f = line.split()
            if f and f[0] == "LOAD":
                self.loads.append((int(f[1], 16), int(f[2], 16), int(f[4], 16)))

    @staticmethod
    def _nm(argv):
        out = subprocess.run(argv, capture_output=True, text=True).stdout
        syms = []
        for line in out.splitlines():
            f = line.split(maxsplit=2)
            if len(f) == 3 and f[1] in "TtWwi":
                syms.append((int(f[0], 16), f[2]))
        return syms

    def name(self, file_offset):
        vaddr = None
        for off, va, size in self.loads:
            if off <= file_offset < off + size:
                vaddr = file_offset - off + va
        if vaddr is None or not self.addrs:
            return None
        lo, hi = 0, len(self.addrs)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.addrs[mid] <= vaddr:
                lo = mid + 1
            else:
                hi = mid
        return self.names[lo - 1] if lo else None


_elf_cache = {}


def read_pprof(files, symbolize):
    """Samples of one or more pprof/legacy profiles, merged by go tool pprof
    -raw. Locations without a function name are named from the ELF files
    (`symbolize`; gperftools) or left as '?'."""
    r = subprocess.run(["go", "tool", "pprof", "-raw", "-symbolize=none", *files],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("go tool pprof: " + (r.stderr.strip().splitlines() or ["failed"])[-1])
    section, cpu_col, count_col = None, None, 0
    raw_samples, locs, maps = [], {}, {}
    cur_loc = None
    for line in r.stdout.splitlines():
        if line in ("Samples:", "Locations", "Mappings"):
            section = line
            continue
        if section == "Samples:":
            if cpu_col is None:
                types = line.split()
                cpu_col = next(i for i, t in enumerate(types) if t.startswith("cpu/"))
                count_col = next(i for i, t in enumerate(types) if t.startswith("samples/"))
                continue
            m = re.match(r"^\s+([\d ]+):([\d ]*)$", line)
            if m:
                vals = [int(v) for v in m.group(1).split()]
                raw_samples.append([vals[count_col], vals[cpu_col], None,
                                    [int(x) for x in m.group(2).split()]])
                continue
            m = re.match(r"^\s+thread_id:\[(\d+)", line)
            if m and raw_samples:
                raw_samples[-1][2] = int(m.group(1))
        elif section == "Locations":
            m = re.match(r"^\s+(\d+): 0x([0-9a-f]+) M=(\d+)\s?(.*)$", line)
            if m:
                cur_loc = int(m.group(1))
                locs[cur_loc] = {"addr": int(m.group(2), 16), "map": int(m.group(3)), "names": []}
                rest = m.group(4)
            else:
                rest = line.strip()
            fn = re.match(r"^(.*) \S*:-?\d+ s=\d+$", rest)
            if fn and cur_loc is not None:
                locs[cur_loc]["names"].append(fn.group(1))
        elif section == "Mappings":
            m = re.match(r"^(\d+): 0x([0-9a-f]+)/0x([0-9a-f]+)/0x([0-9a-f]+) (\S*)", line)
            if m:
                maps[int(m.group(1))] = (int(m.group(2), 16), int(m.group(4), 16), m.group(5))

    def names(lid, leaf):
        loc = locs.get(lid)
        if loc is None:
            return ["?"]
        if loc["names"] or not symbolize:
            return loc["names"] or ["?"]
        start, off, path = maps.get(loc["map"], (0, 0, ""))
        if not path.startswith("/"):
            return ["?"]
        if path not in _elf_cache:
            _elf_cache[path] = ElfSymbols(path)
        # A caller's address is a return address: look up the call itself.
        n = _elf_cache[path].name(loc["addr"] - start + off - (0 if leaf else 1))
        return [n or "?"]

    samples = []
    for count, cpu, tid, ids in raw_samples:
        frames = []
        for i, lid in enumerate(ids):
            frames.extend(names(lid, i == 0))
        samples.append(Sample(count, cpu, tid, frames))
    return samples


def read_perf(data):
    """Samples of a perf.data file through perf script (period in ns: the
    event is cpu-clock)."""
    r = subprocess.run(["perf", "script", "-i", data, "-F", "tid,period,ip,sym"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("perf script: " + (r.stderr.strip().splitlines() or ["failed"])[-1])
    samples = []
    for block in r.stdout.split("\n\n"):
        lines = [l for l in block.splitlines() if l.strip()]
        if not lines:
            continue
        head = lines[0].split()
        if len(head) < 2 or not head[0].isdigit():
            continue
        frames = []
        for l in lines[1:]:
            f = l.split(None, 1)
            frames.append(f[1].strip() if len(f) > 1 else "?")
        if len(lines) == 1 and len(head) > 3:  # no call chain: ip sym on the header line
            frames = [" ".join(head[3:])]
        samples.append(Sample(1, int(head[1]), int(head[0]), frames))
    return samples


def read_profile(row, rundir, want_frames):
    prof = os.path.join(rundir, "prof")
    files = sorted(os.path.join(prof, f) for f in os.listdir(prof))
    files = [f for f in files if os.path.getsize(f) > 0 and not f.endswith(".old")]
    if row["kind"] == "perf":
        data = os.path.join(prof, "perf.data")
        return read_perf(data) if os.path.exists(data) else []
    if not files:
        return []
    if row["kind"] == "gperftools":
        # One at a time: go tool pprof drops every sample when it merges
        # gperftools' legacy profiles (seen with a parent's and its
        # children's).
        return [s for f in files for s in read_pprof([f], symbolize=want_frames)]
    return read_pprof(files, symbolize=False)
