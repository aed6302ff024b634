#!/usr/bin/python3
"""The side-by-side benchmark's driver: lcprof against gperftools and perf.

tools/bench/run.sh installs the tools, builds lcprof, the workloads and
benchrun (the stopwatch), then calls this with /usr/bin/python3. Here:

  measure   every workload under every row (profiler set-up), round-robin:
            each round runs all rows once, starting one row further along,
            so that a slow spell of a shared machine spreads over the rows;
            medians over the rounds
  read      each run's profile: samples, CPU, and each caller's share
            against what the workload measured itself; medians again
  report    results.md (also printed), results.json, chart.png (gnuplot)

docs/benchmarks.md says what the rows, workloads and columns mean.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

LIBPROFILER = "/usr/lib/x86_64-linux-gnu/libprofiler.so.0"
DASH = "—"


# ---------------------------------------------------------------- rows

def make_rows():
    rows = [{"id": "none", "label": "no profiler", "kind": "none"}]
    for timer in ("itimer", "thread", "perf"):
        for unwind in ("fp", "dwarf", "hybrid"):
            rows.append({"id": f"lcprof-{timer}-{unwind}", "label": f"lcprof {timer}/{unwind}",
                         "kind": "lcprof", "timer": timer, "unwind": unwind})
    rows.append({"id": "gperftools", "label": "gperftools", "kind": "gperftools"})
    rows.append({"id": "perf-fp", "label": "perf -g", "kind": "perf", "callgraph": ["-g"]})
    rows.append({"id": "perf-dwarf", "label": "perf dwarf", "kind": "perf",
                 "callgraph": ["--call-graph", "dwarf"]})
    return rows


# ---------------------------------------------------------------- workloads

def make_workloads(bindir, workdir, quick):
    """Each workload: a command, the rate asked, whether it prints truth,
    how often benchrun repeats it inside one measurement."""
    s = "0.2" if quick else "1"
    spawns = "50" if quick else "200"
    here = os.path.dirname(os.path.abspath(__file__))
    sql = os.path.join(workdir, "query.sql")
    with open(sql, "w") as f:
        f.write("CREATE TABLE scale(rows INTEGER);\n")
        f.write(f"INSERT INTO scale VALUES({150000 if quick else 800000});\n")
        with open(os.path.join(here, "workloads", "query.sql")) as q:
            f.write(q.read())
    py = "/usr/bin/python3"

    def c_prog(name, hz=100):
        return {"id": name if hz == 100 else f"{name}@1k", "desc": f"{name} {s}",
                "cmd": [os.path.join(bindir, name), s], "hz": hz, "truth": True}

    return [
        c_prog("cpu"), c_prog("libc"), c_prog("syscall"), c_prog("syscall", 1000),
        c_prog("threads"), c_prog("deep"),
        # Too short to sample: wall and RSS only. perf itself takes ~0.15 s
        # to start and stop, so it gets fewer repeats.
        {"id": "true", "desc": "/bin/true", "cmd": ["/bin/true"], "hz": 100, "truth": False,
         "nosample": True, "repeat": 20 if quick else 30, "repeat_perf": 4 if quick else 6},
        {"id": "spawn", "desc": f"/usr/bin/python3 spawn.py {spawns}",
         "cmd": [py, os.path.join(here, "workloads", "spawn.py"), spawns], "hz": 100,
         "truth": False},
        {"id": "sqlite", "desc": "/usr/bin/sqlite3 :memory: '.read query.sql'",
         "cmd": ["/usr/bin/sqlite3", ":memory:", f".read {sql}"], "hz": 100, "truth": False},
        {"id": "python", "desc": f"/usr/bin/python3 work.py {s}",
         "cmd": [py, os.path.join(here, "workloads", "work.py"), s], "hz": 100, "truth": False},
    ]


# ---------------------------------------------------------------- measuring

def read_measure(path):
    with open(path) as f:
        line = f.read().strip().splitlines()[-1]
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split())}


def run_one(cfg, wl, row, rundir):
    """One measurement of workload `wl` under `row`; profiles go in
    rundir/prof. Returns benchrun's figures: outer for the whole command
    (under perf: perf and the workload), inner the same but with the CPU of
    the workload alone."""
    if os.path.exists(rundir):
        shutil.rmtree(rundir)
    prof = os.path.join(rundir, "prof")
    os.makedirs(prof)
    outer = os.path.join(rundir, "outer")
    out, err = os.path.join(rundir, "stdout"), os.path.join(rundir, "stderr")
    hz = str(wl["hz"])
    br = cfg.benchrun
    repeat = wl.get("repeat", 1)
    if row["kind"] == "perf":
        repeat = wl.get("repeat_perf", repeat)
    rep = ["-r", str(repeat)] if repeat > 1 else []
    if row["kind"] == "perf":
        # The workload runs as perf's own child: perf 6.1 unwinds DWARF
        # stacks of a process that a traced process forked and exec'd only
        # now and then, so no stopwatch goes in between; -c gives the
        # workload's CPU apart from perf's. --no-bpf-event: perf 6.1's
        # side-band thread otherwise holds every `perf record` open for one
        # second at exit (docs/benchmarks.md).
        cmd = [br, "-c", "-m", outer, *rep, "-o", out, "-e", err, "--",
               "perf", "record", "-q", "--no-bpf-event", "-e", "cpu-clock", "-F", hz,
               *row["callgraph"], "-o", os.path.join(prof, "perf.data"), "--", *wl["cmd"]]
    else:
        env = []
        if row["kind"] == "lcprof":
            env = ["LD_PRELOAD=" + cfg.lib, "LCPROF_OUT=" + os.path.join(prof, "lcprof.%p.pb.gz"),
                   "LCPROF_HZ=" + hz, "LCPROF_TIMER=" + row["timer"],
                   "LCPROF_UNWIND=" + row["unwind"]]
        elif row["kind"] == "gperftools":
            env = ["LD_PRELOAD=" + LIBPROFILER, "CPUPROFILE=" + os.path.join(prof, "gperf.prof"),
                   "CPUPROFILE_FREQUENCY=" + hz]
        sets = [a for e in env for a in ("-s", e)]
        cmd = [br, "-m", outer, *rep, "-o", out, "-e", err, *sets, "--", *wl["cmd"]]
    p = subprocess.Popen(cmd, start_new_session=True)
    try:
        p.wait(timeout=cfg.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        return {"error": f"timed out after {cfg.timeout} s"}
    if p.returncode != 0 or not os.path.exists(outer):
        return {"error": f"benchrun exited {p.returncode}"}
    m = {"outer": read_measure(outer)}
    m["inner"] = dict(m["outer"])
    if row["kind"] == "perf":
        m["inner"]["cpu_ns"] = m["outer"]["children_cpu_ns"]
    if m["outer"]["status"]:
        m["error"] = f"exit status {m['outer']['status']}"
    m["stderr"] = tail(err)
    return m


def tail(path, lines=3):
    try:
        with open(path, errors="replace") as f:
            return "\n".join(f.read().strip().splitlines()[-lines:])
    except OSError:
        return ""


# ---------------------------------------------------------------- reading profiles

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


def read_truth(path):
    tids, truth = set(), {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) == 2 and w[0] == "tid":
                tids.add(int(w[1]))
            elif len(w) == 3 and w[0] == "truth":
                truth[w[1]] = float(w[2])
    return tids, truth


def analyse(wl, row, rundir, m):
    """Profile figures of one run: samples per CPU-second, profile CPU over
    the workload's rusage CPU, and the worst caller-share error."""
    res = {}
    if row["kind"] == "none" or wl.get("nosample") or "error" in m:
        return res
    try:
        samples = read_profile(row, rundir, wl["truth"])
    except (RuntimeError, OSError) as e:
        return {"profile_error": str(e)}
    cpu_s = m["inner"]["cpu_ns"] / 1e9
    n = sum(s.count for s in samples)
    res["samples"] = n
    res["achieved_hz"] = n / cpu_s if cpu_s > 0 else None
    res["cpu_ratio"] = sum(s.cpu_ns for s in samples) / m["inner"]["cpu_ns"] if cpu_s > 0 else None
    if wl["truth"]:
        tids, truth = read_truth(os.path.join(rundir, "stdout"))
        mine = [s for s in samples if s.tid is None or s.tid in tids]
        total = sum(s.cpu_ns for s in mine)
        truth_total = sum(truth.values())
        if total > 0 and truth_total > 0:
            worst, worst_c, shares = -1.0, None, {}
            for c, t in truth.items():
                got = 100.0 * sum(s.cpu_ns for s in mine if c in s.frames) / total
                want = 100.0 * t / truth_total
                shares[c] = [round(want, 2), round(got, 2)]
                if abs(got - want) > worst:
                    worst, worst_c = abs(got - want), c
            res["caller_error"], res["worst_caller"], res["shares"] = worst, worst_c, shares
    return res


# ---------------------------------------------------------------- figures

def median(xs):
    return statistics.median(xs) if xs else None


def summarise(runs):
    """One table cell: medians over the runs that ended without error; the
    ratios and differences are medians of each run against its own
    neighbouring unprofiled runs."""
    ok = [r for r in runs if "error" not in r]
    cell = {"runs": len(runs), "ok": len(ok)}
    if not ok:
        cell["error"] = runs[-1].get("error", "no run") if runs else "no run"
        cell["stderr"] = runs[-1].get("stderr", "") if runs else ""
        return cell
    walls = [r["outer"]["wall_ns"] / 1e9 for r in ok]
    cell.update(wall_s=median(walls), wall_min=min(walls), wall_max=max(walls),
                rss_mib=median([r["outer"]["maxrss_kb"] / 1024.0 for r in ok]),
                cpu_s=median([r["outer"]["cpu_ns"] / 1e9 for r in ok]))
    paired = [r for r in ok if "base" in r]
    if paired:
        cell["wall_ratio"] = median([r["outer"]["wall_ns"] / r["base"]["wall_ns"] for r in paired])
        cell["wall_ratios"] = [round(r["outer"]["wall_ns"] / r["base"]["wall_ns"], 3)
                               for r in paired]
        cell["wall_delta_ms"] = median([(r["outer"]["wall_ns"] - r["base"]["wall_ns"]) / 1e6
                                        for r in paired])
        cell["rss_delta_mib"] = median([(r["outer"]["maxrss_kb"] - r["base"]["maxrss_kb"]) / 1024.0
                                        for r in paired])
        cpu = [r["outer"]["cpu_ns"] / r["base"]["cpu_ns"]
               for r in paired if r["base"]["cpu_ns"] > 0]
        if cpu:
            cell["cpu_overhead"] = median(cpu)
    profs = [r["prof"] for r in ok if r.get("prof")]
    bad = [p["profile_error"] for p in profs if "profile_error" in p]
    profs = [p for p in profs if "profile_error" not in p]
    if bad and not profs:
        cell["profile_error"] = bad[-1]
    for key in ("samples", "achieved_hz", "cpu_ratio"):
        vals = [p[key] for p in profs if p.get(key) is not None]
        if vals:
            cell[key] = median(vals)
    errs = sorted((p for p in profs if "caller_error" in p), key=lambda p: p["caller_error"])
    if errs:
        mid = errs[(len(errs) - 1) // 2]  # the median run (the lower one of an even count)
        cell.update(caller_error=mid["caller_error"], worst_caller=mid["worst_caller"],
                    shares=mid["shares"], caller_errors=[round(p["caller_error"], 2) for p in errs])
    return cell


def fmt(x, spec, suffix=""):
    return DASH if x is None else format(x, spec) + suffix


def machine_info():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": os.cpu_count(), "kernel": os.uname().release, "cpu": model,
            "load_start": load}


def version_of(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


def write_markdown(cfg, info, rows, workloads, cells):
    L = []
    L.append(f"Date {info['date']}; machine: {info['nproc']} CPUs ({info['cpu']}), kernel "
             f"{info['kernel']}; load average {info['load_start']} at start, "
             f"{info['load_end']} at end; {info['elapsed_min']:.1f} min.")
    L.append(f"lcprof {info['lcprof']} ({cfg.lib}); gperftools {info['gperftools']}; "
             f"{info['perf']}.")
    L.append(f"Command: `{cfg.command}`; up to {cfg.runs} rounds per workload (its header says "
             "how many); every figure is a median over the rounds (worst caller error: the "
             "median round's).")
    L.append("")
    # Goals first: what the issue asks of lcprof.
    L += goals_table(rows, workloads, cells)
    L.append("")
    L.append("### Wall time against no profiler (median of each run over its neighbouring "
             "unprofiled runs)")
    L.append("")
    L.append("| profiler | " + " | ".join(w["id"] for w in workloads) + " |")
    L.append("|---|" + "---:|" * len(workloads))
    for row in rows:
        vals = []
        for w in workloads:
            c = cells[w["id"]][row["id"]]
            vals.append("fail" if "error" in c else fmt(c.get("wall_ratio"), ".2f", "×"))
        L.append(f"| {row['label']} | " + " | ".join(vals) + " |")
    L.append("")
    L.append("### CPU time against no profiler (the same pairing; steadier on a busy machine)")
    L.append("")
    L.append("| profiler | " + " | ".join(w["id"] for w in workloads) + " |")
    L.append("|---|" + "---:|" * len(workloads))
    for row in rows:
        vals = []
        for w in workloads:
            c = cells[w["id"]][row["id"]]
            vals.append("fail" if "error" in c else fmt(c.get("cpu_overhead"), ".2f", "×"))
        L.append(f"| {row['label']} | " + " | ".join(vals) + " |")
    L.append("")
    L.append("### Per workload")
    for w in workloads:
        L.append("")
        desc = w["desc"]
        rep = f", {w['repeat']} starts per measurement ({w['repeat_perf']} under perf), " \
              "figures per start" if w.get("repeat") else ""
        L.append(f"**{w['id']}** — `{desc}` at {w['hz']} Hz, {w['rounds']} rounds{rep}")
        L.append("")
        L.append("| profiler | wall (min–max) | × | +ms | CPU × | peak RSS | +MiB | "
                 "samples/CPU-s (asked) | profile CPU / rusage | worst caller error |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for row in rows:
            c = cells[w["id"]][row["id"]]
            if "error" in c:
                L.append(f"| {row['label']} | failed: {c['error']} | | | | | | | | |")
                continue
            if c["wall_s"] < 0.1:
                wall = (f"{c['wall_s'] * 1e3:.2f} ms "
                        f"({c['wall_min'] * 1e3:.2f}–{c['wall_max'] * 1e3:.2f})")
            else:
                wall = f"{c['wall_s']:.3f} s ({c['wall_min']:.2f}–{c['wall_max']:.2f})"
            if "profile_error" in c:
                rate = cpu = err = "unreadable"
            else:
                rate = DASH if c.get("achieved_hz") is None else \
                    f"{c['achieved_hz']:.0f} ({w['hz']})"
                cpu = fmt(c.get("cpu_ratio"), ".3f")
                err = DASH if c.get("caller_error") is None else \
                    f"{c['caller_error']:.1f} pt ({c['worst_caller']})"
            L.append(f"| {row['label']} | {wall} | {fmt(c.get('wall_ratio'), '.3f', '×')} | "
                     f"{fmt(c.get('wall_delta_ms'), '+.1f')} | "
                     f"{fmt(c.get('cpu_overhead'), '.2f', '×')} | "
                     f"{c['rss_mib']:.1f} MiB | "
                     f"{fmt(c.get('rss_delta_mib'), '+.1f')} | {rate} | {cpu} | {err} |")
    return "\n".join(L) + "\n"


def goals_table(rows, workloads, cells):
    def cell(w, r):
        return cells.get(w, {}).get(r, {})

    labels = {r["id"]: r["label"] for r in rows}
    cols = [c for c in ("lcprof-itimer-hybrid", "lcprof-perf-hybrid", "gperftools") if c in labels]
    if not cols:
        return []
    L = ["### Goals (issue 9)", "",
         "| goal | target | " + " | ".join(labels[c] for c in cols) + " |",
         "|---|---|" + "---|" * len(cols)]

    def mark(ok):
        return "" if ok is None else (" ✓" if ok else " ✗")

    def line(goal, target, fn, judged=("lcprof-itimer-hybrid", "lcprof-perf-hybrid")):
        vals = []
        for c in cols:
            v, ok = fn(c)
            vals.append(v + (mark(ok) if c in judged else ""))
        L.append(f"| {goal} | {target} | " + " | ".join(vals) + " |")

    def true_fn(c):
        x = cell("true", c)
        if "wall_delta_ms" not in x:
            return DASH, None
        ok = x["wall_delta_ms"] <= 1.0 and x["rss_delta_mib"] <= 3.0
        return f"{x['wall_delta_ms']:+.1f} ms, {x['rss_delta_mib']:+.1f} MiB", ok

    def ratio_fn(w, limit):
        def fn(c):
            x = cell(w, c)
            if "wall_ratio" not in x:
                return DASH, None
            return f"{x['wall_ratio']:.3f}×", x["wall_ratio"] <= limit
        return fn

    line("/bin/true", "≤ +1 ms wall, ≤ +3 MiB peak RSS", true_fn)
    spawn = next((w for w in workloads if w["id"] == "spawn"), None)
    n = spawn["cmd"][-1] if spawn else "200"
    line(f"python3 spawning {n} processes", "≤ 2× at 200 (gperftools measured 8.5×)",
         ratio_fn("spawn", 2.0))
    perf_only = ("lcprof-perf-hybrid",)
    line("syscall loop, 100 Hz", "≤ 1.02× (perf timer, hybrid)", ratio_fn("syscall", 1.02),
         perf_only)
    line("syscall loop, 1000 Hz", "≤ 1.05× (perf timer, hybrid)", ratio_fn("syscall@1k", 1.05),
         perf_only)

    def vs_gperf(c):
        if c == "gperftools":
            return DASH, None
        parts, all_ok = [], True
        for key, what in (("wall_ratio", "wall"), ("cpu_overhead", "CPU")):
            worse, n = [], 0
            for w in workloads:
                a, g = cell(w["id"], c), cell(w["id"], "gperftools")
                if key in a and key in g:
                    n += 1
                    if a[key] > g[key]:
                        worse.append((a[key] / g[key], f"{w['id']} {a[key]:.2f}× vs {g[key]:.2f}×"))
            if n:
                worse = [t for _, t in sorted(worse, reverse=True)]
                parts.append(f"{what}: above on {len(worse)} of {n}"
                             + (" (" + "; ".join(worse[:2]) + ("; …" if len(worse) > 2 else "") + ")"
                                if worse else ""))
                all_ok = all_ok and not worse
        if not parts:
            return DASH, None
        return "; ".join(parts), all_ok

    line("at or below gperftools", "every workload (wall; CPU alongside)", vs_gperf)
    return L


def write_chart(cfg, info, rows, workloads, cells, png):
    """Three heat maps, profilers down, workloads across: wall time and CPU
    time against no profiler, and the worst caller error for the workloads
    that measure their truth. Cells print their value; colour only guides."""
    if not shutil.which("gnuplot"):
        return False
    d = cfg.out
    truthw = [w for w in workloads if w["truth"]]

    def data(name, ws, key, spec):
        path = os.path.join(d, f"chart_{name}.dat")
        with open(path, "w") as f:
            for y, row in enumerate(rows):
                for x, w in enumerate(ws):
                    c = cells[w["id"]][row["id"]]
                    v = c.get(key)
                    if "error" in c:
                        f.write(f'{x} {y} NaN "fail"\n')
                    elif v is not None:
                        f.write(f'{x} {y} {v:.4f} "{format(v, spec)}"\n')
        return path

    def xtics(ws):
        return ", ".join(f'"{w["id"]}" {i}' for i, w in enumerate(ws))

    ratio_palette = ('set palette defined (0 "#edf8e9", 0.05 "#f7fcb9", 0.33 "#fec44f", '
                     '0.66 "#e34a33", 1 "#99000d")\nset logscale cb 2\nset cbrange [1:8]')
    error_palette = ('set palette defined (0 "#edf8e9", 0.1 "#f7fcb9", 0.33 "#fec44f", '
                     '0.66 "#e34a33", 1 "#99000d")\nunset logscale cb\nset cbrange [0:30]')

    def panel(path, ws, left, right, title, palette, lo, hi, dark, ylabels):
        yt = ", ".join(f'"{r["label"]}" {i}' for i, r in enumerate(rows))
        yt = f"set ytics ({yt}) nomirror" if ylabels else "unset ytics"
        return f"""
set lmargin at screen {left}
set rmargin at screen {right}
set xrange [-0.5:{len(ws) - 0.5}]
set xtics ({xtics(ws)}) rotate by 35 right nomirror
{yt}
set title "{title}"
{palette}
plot "{path}" using 1:2:(0.5):(0.5):($3 < {lo} ? {lo} : ($3 > {hi} ? {hi} : $3)) \\
       with boxxyerror fs solid 1.0 noborder fc palette, \\
     "" using 1:2:($3 > {dark} ? "" : stringcolumn(4)) with labels font ",9", \\
     "" using 1:2:($3 > {dark} ? stringcolumn(4) : "") with labels font ",9" tc "white"
"""

    title = (f"lcprof vs gperftools vs perf — {info['date']} — {info['nproc']} CPUs, "
             f"{info['cpu']}, kernel {info['kernel']}, load average {info['load_start']} "
             f"at start")
    sub = f"medians of up to {cfg.runs} rounds; reproduce: {cfg.command}"
    n, m = len(workloads), len(truthw)
    width = 0.30 * m / n
    gp = f"""
set terminal pngcairo size 1950,900 font "DejaVu Sans,11"
set output "{png}"
set termoption noenhanced
set multiplot title "{title}\\n{sub}" font ",12"
unset key
unset colorbox
set tics scale 0
set tmargin at screen 0.86
set bmargin at screen 0.14
set yrange [{len(rows) - 0.5}:-0.5]
""" + panel(data("wall", workloads, "wall_ratio", ".2f"), workloads, 0.11, 0.41,
            "wall time ÷ unprofiled", ratio_palette, 1, 8, 4, True) \
        + panel(data("cpu", workloads, "cpu_overhead", ".2f"), workloads, 0.43, 0.73,
                "CPU time ÷ unprofiled (steadier on a busy machine)", ratio_palette, 1, 8, 4,
                False) \
        + panel(data("error", truthw, "caller_error", ".1f"), truthw, 0.75, 0.75 + width,
                "worst caller error (percentage points)", error_palette, 0, 30, 20, False) \
        + "unset multiplot\n"
    gpfile = os.path.join(d, "chart.gp")
    with open(gpfile, "w") as f:
        f.write(gp)
    r = subprocess.run(["gnuplot", gpfile], capture_output=True, text=True)
    if r.returncode != 0:
        print("bench: gnuplot failed: " + r.stderr.strip()[-500:], file=sys.stderr)
        return False
    return True


# ---------------------------------------------------------------- rounds

def round_schedule(rows, rnd):
    """One round: every profiled row once, starting one row further along
    each round, with an unprofiled run before every third row and at the
    end, so that each profiled run has an unprofiled one at most two runs
    away on either side."""
    none, profiled = rows[0], rows[1:]
    k = (rnd * 5) % len(profiled) if profiled else 0
    order = profiled[k:] + profiled[:k]
    sched = []
    for i, row in enumerate(order):
        if i % 3 == 0:
            sched.append(none)
        sched.append(row)
    sched.append(none)
    return sched


def measure(cfg, wl, rows, budget):
    """All rounds of one workload. Each profiled run is paired with the
    mean of the unprofiled runs just before and after it (its `base`);
    returns the runs per row id."""
    runs = {r["id"]: [] for r in rows}
    wdir = os.path.join(cfg.out, "runs", wl["id"].replace("@", "_"))
    run_one(cfg, wl, rows[0], os.path.join(wdir, "warmup"))  # page cache, not counted
    rounds, rnd = cfg.runs, 0
    while rnd < rounds:
        t_round = time.time()
        done = []
        for j, row in enumerate(round_schedule(rows, rnd)):
            rundir = os.path.join(wdir, row["id"])
            m = run_one(cfg, wl, row, rundir)
            m["prof"] = analyse(wl, row, rundir, m)
            if cfg.keep:
                os.rename(rundir, f"{rundir}.{rnd + 1}.{j}")
            else:
                shutil.rmtree(os.path.join(rundir, "prof"), ignore_errors=True)
            runs[row["id"]].append(m)
            done.append((row, m))
        pair_with_base(done)
        if rnd == 0 and not cfg.fixed_runs:
            # A workload whose round is slow (lcprof's spawn today, or any
            # on a busy machine) gets fewer rounds, never below min_runs.
            fit = int(budget / max(time.time() - t_round, 1e-3))
            rounds = max(cfg.min_runs, min(cfg.runs, fit))
        rnd += 1
    wl["rounds"] = rounds
    return runs


def pair_with_base(done):
    """Gives each profiled run of a round the mean of its neighbouring
    unprofiled runs (wall, CPU, peak RSS)."""
    for j, (row, m) in enumerate(done):
        if row["kind"] == "none" or "error" in m:
            continue
        near = []
        for step in (-1, 1):
            k = j + step
            while 0 <= k < len(done) and done[k][0]["kind"] != "none":
                k += step
            if 0 <= k < len(done) and "error" not in done[k][1]:
                near.append(done[k][1]["outer"])
        if near:
            m["base"] = {key: sum(o[key] for o in near) / len(near)
                         for key in ("wall_ns", "cpu_ns", "maxrss_kb")}


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lib", required=True)
    ap.add_argument("--bindir", required=True, help="compiled workloads and benchrun")
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=0,
                    help="rounds per workload (default 5, --quick 2; a workload whose "
                         "round is slow gets fewer, at least 3 or 2, unless this is given)")
    ap.add_argument("--budget", type=float, default=0,
                    help="minutes for the whole run, shared among the workloads still to "
                         "run, that decide their rounds (default 17; --quick: 2 rounds always)")
    ap.add_argument("--only", default="", help="comma list of workload ids")
    ap.add_argument("--rows", default="", help="comma list of row ids")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--keep", action="store_true", help="keep every run's profiles")
    ap.add_argument("--command", default="tools/bench/run.sh")
    ap.add_argument("--lcprof-version", default="?")
    cfg = ap.parse_args()
    cfg.fixed_runs = cfg.runs > 0
    cfg.runs = cfg.runs or (2 if cfg.quick else 5)
    cfg.min_runs = min(cfg.runs, 2 if cfg.quick else 3)
    cfg.budget = 60 * (cfg.budget or 17)
    cfg.benchrun = os.path.join(cfg.bindir, "benchrun")
    cfg.out = os.path.abspath(cfg.out)
    t_start = time.time()
    info = machine_info()
    info["lcprof"] = cfg.lcprof_version
    info["gperftools"] = version_of(["dpkg-query", "-W", "-f=${Version}\n", "libgoogle-perftools4"])
    info["perf"] = version_of(["perf", "--version"])

    workdir = os.path.join(cfg.out, "work")
    os.makedirs(workdir, exist_ok=True)
    rows = make_rows()
    workloads = make_workloads(cfg.bindir, workdir, cfg.quick)
    if cfg.only:
        want = cfg.only.split(",")
        bad = [w for w in want if w not in {x["id"] for x in workloads}]
        if bad:
            sys.exit(f"bench: unknown workload {bad[0]} (known: {', '.join(x['id'] for x in workloads)})")
        workloads = [w for w in workloads if w["id"] in want]
    if cfg.rows:
        want = cfg.rows.split(",")
        bad = [r for r in want if r not in {x["id"] for x in rows}]
        if bad:
            sys.exit(f"bench: unknown row {bad[0]} (known: {', '.join(x['id'] for x in rows)})")
        rows = [r for r in rows if r["id"] == "none" or r["id"] in want]

    cells = {}
    deadline = t_start + cfg.budget
    for i, wl in enumerate(workloads):
        t0 = time.time()
        runs = measure(cfg, wl, rows, (deadline - t0) / (len(workloads) - i))
        cells[wl["id"]] = {}
        for row in rows:
            cells[wl["id"]][row["id"]] = summarise(runs[row["id"]])
        print(f"bench: {wl['id']}: {wl['rounds']} rounds, {time.time() - t0:.0f} s",
              file=sys.stderr, flush=True)

    with open("/proc/loadavg") as f:
        info["load_end"] = " ".join(f.read().split()[:3])
    info["elapsed_min"] = (time.time() - t_start) / 60
    md = write_markdown(cfg, info, rows, workloads, cells)
    png = os.path.join(cfg.out, "chart.png")
    if write_chart(cfg, info, rows, workloads, cells, png):
        md += f"\nChart: {png}\n"
    with open(os.path.join(cfg.out, "results.md"), "w") as f:
        f.write(md)
    with open(os.path.join(cfg.out, "results.json"), "w") as f:
        json.dump({"machine": info, "command": cfg.command, "runs": cfg.runs,
                   "rows": rows, "workloads": workloads, "cells": cells}, f, indent=1)
    print(md)


if __name__ == "__main__":
    main()
