"""results.md: the goals, the wall and CPU tables, one table per workload."""

DASH = "—"


def fmt(x, spec, suffix=""):
    return DASH if x is None else format(x, spec) + suffix


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
        for key, per_round, what in (("wall_ratio", "wall_by_round", "wall"),
                                     ("cpu_overhead", "cpu_by_round", "CPU")):
            worse, n = [], 0
            for w in workloads:
                a, g = cell(w["id"], c), cell(w["id"], "gperftools")
                if key in a and key in g:
                    n += 1
                    if a[key] > g[key]:
                        # How often lcprof's run was above gperftools' run of
                        # the same round: a difference that is noise flips.
                        ra, rg = a.get(per_round, {}), g.get(per_round, {})
                        pairs = [(ra[k], rg[k]) for k in ra if k in rg]
                        above = sum(1 for x, y in pairs if x > y)
                        worse.append((a[key] / g[key], f"{w['id']} {a[key]:.2f}× vs {g[key]:.2f}×"
                                      + (f", above in {above} of {len(pairs)} rounds"
                                         if pairs else "")))
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
