"""One table cell: the medians of one workload's runs under one row."""

import statistics


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
        # Per round, so that two rows can be compared run against run.
        cell["wall_by_round"] = {r["round"]: r["outer"]["wall_ns"] / r["base"]["wall_ns"]
                                 for r in paired if "round" in r}
        cell["cpu_by_round"] = {r["round"]: r["outer"]["cpu_ns"] / r["base"]["cpu_ns"]
                                for r in paired if "round" in r and r["base"]["cpu_ns"] > 0}
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
