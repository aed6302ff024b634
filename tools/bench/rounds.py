"""All rounds of one workload: the order of the rows in each round, and
each profiled run paired with its unprofiled neighbours."""

import os
import shutil
import time

from measurement import run_one
from profile_figures import analyse


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
            m["round"] = rnd
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
