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

The modules beside it, in that order: profiler_rows.py and
workload_list.py (what runs), measurement.py (one run under benchrun),
rounds.py (the round-robin), profile_reading.py and profile_figures.py (a
run's profile and its figures), cell_summary.py (the medians),
results_markdown.py, results_chart.py and machine_info.py (the report).
docs/benchmarks.md says what the rows, workloads and columns mean.
"""

import argparse
import json
import os
import sys
import time

# The modules below sit beside this file (sys.path[0]); write no bytecode
# into the source tree.
sys.dont_write_bytecode = True

from cell_summary import summarise  # noqa: E402
from machine_info import machine_info, version_of  # noqa: E402
from profiler_rows import make_rows  # noqa: E402
from results_chart import write_chart  # noqa: E402
from results_markdown import write_markdown  # noqa: E402
from rounds import measure  # noqa: E402
from workload_list import make_workloads  # noqa: E402


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
