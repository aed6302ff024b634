"""The markdown report: the summary table with each program's verdict,
the per-program details, and the text that puts them together."""

import os

from function_identity import base_name, pretty
from stack_comparison import ENTRY_GLUE, compare, error

SUMMARY_HEAD = ["| program | lcprof unwinder | samples lcprof / perf | whole % | perf whole % (to "
                "main's caller) | depth-cut % | in lcprof's code % (lcprof / perf) | worst error (points) | function with "
                "the worst error: lcprof vs perf % | goal |",
                "|---|---|---:|---:|---:|---:|---:|---:|---|---|"]


def summary_rows(prog, runs, judged, args):
    """The summary rows of one program (from program_runs.load_program), its
    verdict line, and whether it meets the goals (args.whole_goal,
    args.error_goal) in every judged mode."""
    summary, failed, all_ok = [], [], True
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
    verdict_line = "- %s: %s" % (prog, "PASS" if not failed else "FAIL (" + "; ".join(failed) + ")")
    return summary, verdict_line, all_ok


def program_details(prog, runs, args):
    """The per-program section: every function above 5% in some profile,
    the pseudo-frames, and where incomplete stacks end."""
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
    return det + [""]


def report_text(work, summary, verdicts, notes, details, judged, args, all_ok):
    """The whole report: meta.txt's lines, the summary, the goals and
    verdicts, the notes, the programs' details, the result."""
    out = []
    meta = os.path.join(work, "meta.txt")
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
    return text
