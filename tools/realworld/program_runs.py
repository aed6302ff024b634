"""One program's run directory: each lcprof mode's profiles and perf's
reference recording, read into Stats with one identity per function."""

import glob
import os
import re

from bad_input import fail
from perf_script_reading import is_lcprof_internal, read_perf
from pprof_reading import read_pprof
from stack_comparison import Stats

MODES = ("hybrid", "dwarf", "fp")


def load_lcprof(names, files):
    """(Stats, timers named in the profiles' comments, samples in lcprof's
    own code left out: its collector thread, its start-up)."""
    stacks, timers, own = [], set(), 0

    def internal(frame):
        name, system_name, module = frame
        sym = system_name or name
        return is_lcprof_internal("[unknown]" if re.match(r"^\S+\+0x[0-9a-f]+$", sym) else sym,
                                  module or "")

    for f in files:
        try:
            st, comments = read_pprof(f)
        except (OSError, EOFError, ValueError, IndexError, UnicodeDecodeError) as e:
            fail("cannot read lcprof profile %s: %s" % (f, e))
        for c, frames in st:
            if any(internal(fr) for fr in frames):
                own += c
            else:
                stacks.append((c, [names.lcprof(fr) for fr in frames]))
        for c in comments:
            m = re.match(r"lcprof: timer (\w+)", c)
            if m:
                timers.add(m.group(1))
    return Stats(stacks), timers, own


def load_perf(names, path):
    raw, kernel_only, own = read_perf(path)
    return Stats([(c, [names.perf(f, i == 0) for i, f in enumerate(frames)])
                  for c, frames in raw]), kernel_only, own


def load_program(names, work, prog, whole_goal, notes):
    """The runs of one program, one per lcprof mode with profiles: (mode,
    lcprof Stats, perf Stats, t, (samples in lcprof's own code: lcprof's,
    perf's)), t being perf's share of stacks that stop before main's
    caller. Appends to `notes` what the report should mention."""
    pdir = os.path.join(work, prog)
    runs = []
    for mode in MODES:
        files = [f for f in sorted(glob.glob(os.path.join(pdir, mode, "*.pb.gz*")))
                 if ".lcprof-tmp." not in f]
        if not files:
            continue
        # The reference: perf recording the same run, or a run of its own.
        perf_data = os.path.join(pdir, mode, "perf.txt.gz")
        if not os.path.isfile(perf_data):
            perf_data = os.path.join(pdir, "perf.txt.gz")
        if not os.path.isfile(perf_data):
            fail("%s, %s: no perf.txt.gz beside the lcprof profiles or above them" % (prog, mode))
        pf, kernel_only, own = load_perf(names, perf_data)
        if pf.total == 0:
            fail("%s, %s: perf recorded no samples with user frames" % (prog, mode))
        lc, timers, lc_own = load_lcprof(names, files)
        runs.append((mode, lc, pf, 100.0 - pf.complete_pct(), (lc_own, own)))
        if timers - {"perf"}:
            notes.append("%s, %s: lcprof's timer was %s, not perf." % (
                prog, mode, ",".join(sorted(timers))))
        if pf.whole_pct() < whole_goal:
            notes.append("%s, %s: perf's own stacks reach the entry in %.1f%% of samples, main's "
                         "caller in %.1f%%; lcprof shares up to %.1f points above perf's are "
                         "not counted as errors." % (prog, mode, pf.whole_pct(),
                                                      pf.complete_pct(), 100.0 - pf.complete_pct()))
        if kernel_only:
            notes.append("%s, %s: %d perf samples without a user frame left out." % (
                prog, mode, kernel_only))
        try:
            with open(os.path.join(pdir, mode, "run.err"), errors="replace") as f:
                for line in f:
                    if line.startswith("lcprof:") and "samples" not in line:
                        notes.append("%s, %s: %s" % (prog, mode, line.strip()))
        except OSError:
            pass
    if not runs:
        fail("%s: no lcprof profiles in %s" % (prog, pdir))
    return runs
