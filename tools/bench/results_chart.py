"""chart.png: heat maps of the results, drawn by gnuplot."""

import os
import shutil
import subprocess
import sys


def write_chart(cfg, info, rows, workloads, cells, png):
    """Three heat maps, profilers down, workloads across: wall time and CPU
    time against no profiler, and the worst caller error for the workloads
    that measure their truth. Cells print their value; colour only guides."""
    if not shutil.which("gnuplot"):
        return False
    d = cfg.out
    truthw = [w for w in workloads if w["truth"]]

    def data(name, ws, key, spec):
        path = os.path.join(d, f"chart_{name}.dat")
        with open(path, "w") as f:
            for y, row in enumerate(rows):
                for x, w in enumerate(ws):
                    c = cells[w["id"]][row["id"]]
                    v = c.get(key)
                    if "error" in c:
                        f.write(f'{x} {y} NaN "fail"\n')
                    elif v is not None:
                        f.write(f'{x} {y} {v:.4f} "{format(v, spec)}"\n')
        return path

    def xtics(ws):
        return ", ".join(f'"{w["id"]}" {i}' for i, w in enumerate(ws))

    ratio_palette = ('set palette defined (0 "#edf8e9", 0.05 "#f7fcb9", 0.33 "#fec44f", '
                     '0.66 "#e34a33", 1 "#99000d")\nset logscale cb 2\nset cbrange [1:8]')
    error_palette = ('set palette defined (0 "#edf8e9", 0.1 "#f7fcb9", 0.33 "#fec44f", '
                     '0.66 "#e34a33", 1 "#99000d")\nunset logscale cb\nset cbrange [0:30]')

    def panel(path, ws, left, right, title, palette, lo, hi, dark, ylabels):
        yt = ", ".join(f'"{r["label"]}" {i}' for i, r in enumerate(rows))
        yt = f"set ytics ({yt}) nomirror" if ylabels else "unset ytics"
        return f"""
set lmargin at screen {left}
set rmargin at screen {right}
set xrange [-0.5:{len(ws) - 0.5}]
set xtics ({xtics(ws)}) rotate by 35 right nomirror
{yt}
set title "{title}"
{palette}
plot "{path}" using 1:2:(0.5):(0.5):($3 < {lo} ? {lo} : ($3 > {hi} ? {hi} : $3)) \\
       with boxxyerror fs solid 1.0 noborder fc palette, \\
     "" using 1:2:($3 > {dark} ? "" : stringcolumn(4)) with labels font ",9", \\
     "" using 1:2:($3 > {dark} ? stringcolumn(4) : "") with labels font ",9" tc "white"
"""

    title = (f"lcprof vs gperftools vs perf — {info['date']} — {info['nproc']} CPUs, "
             f"{info['cpu']}, kernel {info['kernel']}, load average {info['load_start']} "
             f"at start")
    sub = f"medians of up to {cfg.runs} rounds; reproduce: {cfg.command}"
    n, m = len(workloads), len(truthw)
    width = 0.30 * m / n
    gp = f"""
set terminal pngcairo size 1950,900 font "DejaVu Sans,11"
set output "{png}"
set termoption noenhanced
set multiplot title "{title}\\n{sub}" font ",12"
unset key
unset colorbox
set tics scale 0
set tmargin at screen 0.86
set bmargin at screen 0.14
set yrange [{len(rows) - 0.5}:-0.5]
""" + panel(data("wall", workloads, "wall_ratio", ".2f"), workloads, 0.11, 0.41,
            "wall time ÷ unprofiled", ratio_palette, 1, 8, 4, True) \
        + panel(data("cpu", workloads, "cpu_overhead", ".2f"), workloads, 0.43, 0.73,
                "CPU time ÷ unprofiled (steadier on a busy machine)", ratio_palette, 1, 8, 4,
                False) \
        + panel(data("error", truthw, "caller_error", ".1f"), truthw, 0.75, 0.75 + width,
                "worst caller error (percentage points)", error_palette, 0, 30, 20, False) \
        + "unset multiplot\n"
    gpfile = os.path.join(d, "chart.gp")
    with open(gpfile, "w") as f:
        f.write(gp)
    r = subprocess.run(["gnuplot", gpfile], capture_output=True, text=True)
    if r.returncode != 0:
        print("bench: gnuplot failed: " + r.stderr.strip()[-500:], file=sys.stderr)
        return False
    return True
