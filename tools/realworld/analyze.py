#!/usr/bin/python3
"""Compares lcprof profiles of real programs against `perf record --call-graph
dwarf` of the same programs (docs/realworld-check.md). Standard library only;
run with Debian's /usr/bin/python3.

Input: a work directory written by tools/realworld/check.sh, one
subdirectory per program and in it one per lcprof mode (hybrid, dwarf, fp):

    WORK/PROGRAM/MODE/*.pb.gz*        lcprof's profiles, one per process
    WORK/PROGRAM/MODE/perf.txt.gz     `perf script` of perf's recording of
                                      the same run (or, with check.sh
                                      --reference separate,
                                      WORK/PROGRAM/perf.txt.gz of a run of
                                      its own)
    WORK/meta.txt                     lines for the report's head (optional)

Output: a markdown report on stdout and in --report; exit status 0 when every
program meets the goals in every judged mode, 1 otherwise, 2 on bad input.

The modules beside it: pprof_reading.py and perf_script_reading.py (the two
profilers' stacks), function_identity.py (one name per function for both),
program_runs.py (a program's run directory), stack_comparison.py (the
figures and the errors), markdown_report.py (the report), bad_input.py.
"""

import argparse
import os
import sys

# check.sh runs this with `python3 -I`, which leaves this file's folder off
# sys.path: put it back so the modules beside it import, and write no
# bytecode into the source tree.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

from bad_input import fail  # noqa: E402
from function_identity import Names  # noqa: E402
from markdown_report import SUMMARY_HEAD, program_details, report_text, summary_rows  # noqa: E402
from program_runs import MODES, load_program  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("work", help="work directory written by check.sh")
    ap.add_argument("--report", help="also write the report to this file")
    ap.add_argument("--judge", default="hybrid",
                    help="lcprof modes whose goals decide the exit status (comma list)")
    ap.add_argument("--whole-goal", type=float, default=98.0)
    ap.add_argument("--error-goal", type=float, default=3.0)
    ap.add_argument("--programs", help="comma list (default: every subdirectory)")
    args = ap.parse_args()
    if not os.path.isdir(args.work):
        fail("no such work directory: %s" % args.work)
    judged = [m for m in args.judge.split(",") if m]
    bad = [m for m in judged if m not in MODES]
    if bad or not judged:
        fail("bad --judge '%s' (a comma list of %s)" % (args.judge, ", ".join(MODES)))
    if args.programs:
        programs = args.programs.split(",")
    else:
        found = [d for d in os.listdir(args.work)
                 if any(os.path.isdir(os.path.join(args.work, d, m)) for m in MODES)]
        known = ("python", "gxx", "xz", "plugin")  # check.sh's order
        programs = [p for p in known if p in found] + sorted(set(found) - set(known))
    if not programs:
        fail("no program directories in %s" % args.work)

    names = Names()
    summary = list(SUMMARY_HEAD)
    details, notes, verdicts, all_ok = [], [], [], True
    for prog in programs:
        runs = load_program(names, args.work, prog, args.whole_goal, notes)
        rows, verdict, ok = summary_rows(prog, runs, judged, args)
        summary += rows
        verdicts.append(verdict)
        all_ok &= ok
        details += program_details(prog, runs, args)

    text = report_text(args.work, summary, verdicts, notes, details, judged, args, all_ok)
    sys.stdout.write(text)
    if args.report:
        with open(args.report, "w") as f:
            f.write(text)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())