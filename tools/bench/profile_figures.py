"""The figures of one run's profile: samples per CPU-second, profile CPU
over the workload's own, and the worst caller-share error against the
truth the workload printed."""

import os

from profile_reading import read_profile


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
