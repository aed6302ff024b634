"""One measurement: a workload under one row, timed by benchrun (the
stopwatch), its figures read back."""

import os
import shutil
import signal
import subprocess

LIBPROFILER = "/usr/lib/x86_64-linux-gnu/libprofiler.so.0"


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
