"""Figures of one profile's stacks (whole, complete, cumulative shares,
where incomplete stacks end) and lcprof's error against perf per function."""

import collections

from function_identity import PSEUDO, ROOTS, base_name, is_root

# Frames only ever found between main's caller and the entry. perf's stack
# copy sometimes ends right below them (docs/realworld-check.md): a perf stack
# ending there is complete as far as the program's functions go, and these
# frames are judged by the whole column only, not compared per function.
ENTRY_GLUE = ROOTS | {"libc_start_main"}
MAIN_CALLERS = {"libc_start_call_main", "libc_start_main"}


class Stats:
    def __init__(self, stacks):
        """stacks: (count, [identity, ...] leaf first)."""
        self.total = sum(c for c, _ in stacks)
        self.whole = sum(c for c, f in stacks if f and is_root(f[-1]))
        # Whole, or ending in main's caller (all of the program's frames there).
        self.complete = sum(c for c, f in stacks
                            if f and (is_root(f[-1]) or base_name(f[-1]) in MAIN_CALLERS))
        self.truncated = sum(c for c, f in stacks if f and f[-1].startswith("[truncated"))
        cum = collections.Counter()
        pseudo = collections.Counter()
        for count, frames in stacks:
            for ident in set(frames):
                (pseudo if PSEUDO.match(ident) else cum)[ident] += count
        self.cum = cum
        self.pseudo = pseudo
        self.incomplete_ends = collections.Counter()
        for count, frames in stacks:
            if not frames:
                self.incomplete_ends[("(no frame)",)] += count
            elif not is_root(frames[-1]):
                # A pseudo-frame with the frame where the walk stopped.
                end = frames[-2:] if PSEUDO.match(frames[-1]) and len(frames) > 1 else frames[-1:]
                self.incomplete_ends[tuple(end)] += count

    def share(self, ident):
        return 100.0 * self.cum.get(ident, 0) / self.total if self.total else 0.0

    def whole_pct(self):
        return 100.0 * self.whole / self.total if self.total else 0.0

    def complete_pct(self):
        return 100.0 * self.complete / self.total if self.total else 0.0


def error(l, p, t):
    """lcprof's share l against perf's p, perf having t% incomplete stacks."""
    return max(0.0, p - l, l - (p + t))


def compare(lc, pf):
    """Per function above 5% cumulative in either profile, entry frames
    aside: (error, ident, lcprof share, perf share). perf's stacks that stop
    before main's caller may lack outer frames, so perf's true share lies in
    [p, p + t], t being its share of such stacks; the error is lcprof's
    distance to that range."""
    t = 100.0 - pf.complete_pct()
    rows = []
    for ident in set(lc.cum) | set(pf.cum):
        l, p = lc.share(ident), pf.share(ident)
        if max(l, p) <= 5.0 or base_name(ident) in ENTRY_GLUE:
            continue
        err = error(l, p, t)
        rows.append((err, ident, l, p))
    rows.sort(key=lambda r: (-r[0], -max(r[2], r[3]), r[1]))
    return rows
