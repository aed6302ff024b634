"""The benchmark's rows: the profiler set-ups every workload runs under,
the unprofiled run first (docs/benchmarks.md)."""


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
