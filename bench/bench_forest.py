"""Benchmark: forest plot of 41 studies rendered to SVG, against R metafor's forest() on the svg() device.

Run from the project root: .venv/bin/python bench/bench_forest.py
Prints one line per figure (figure, target, measured, peer). run() returns the same rows for bench/run_all.py.
"""

from __future__ import annotations

import csv
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.engine import run_pooled_analysis  # noqa: E402
from analysis.plots import forest_plot, to_png, to_svg  # noqa: E402

STUDIES, REPEATS, TARGET_MS = 41, 15, 200

# Timed inside R so that R's start-up and package loading do not count; the same 41 studies,
# with the two data columns, weights and the prediction interval, drawn to an SVG file.
R_TIMING = """
suppressMessages(library(metafor))
d <- read.csv("{csv}")
res <- rma(measure = "PLO", xi = xi, ni = ni, data = d, slab = study, method = "REML")
out <- tempfile(fileext = ".svg")
draw <- function() {{
  svg(out, width = 9, height = 10)
  forest(res, transf = transf.ilogit, ilab = cbind(d$xi, d$ni), ilab.xpos = c(-6, -5),
         xlim = c(-10, 4), addpred = TRUE, showweights = TRUE, header = TRUE)
  invisible(dev.off())
}}
draw()
times <- sapply(1:{repeats}, function(i) system.time(draw())[["elapsed"]])
cat(sprintf('{{"median": %.6f}}\\n', median(times)))
"""


def studies(k: int = STUDIES, seed: int = 41) -> list[dict]:
    """k single-arm proportion studies (xi responders of ni), every fifth with a long label."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(k):
        n = int(rng.integers(20, 400))
        label = f"Author{i} et al. {1980 + i}"
        if i % 5 == 0:
            label = f"Study {i + 1}: a multicentre randomised trial of a remarkably long name, phase {i}"
        rows.append({"study": label, "xi": int(rng.binomial(n, rng.uniform(0.1, 0.6))), "ni": n})
    return rows


def time_ours(rows: list[dict], repeats: int = REPEATS) -> tuple[float, float, int]:
    """Median seconds for figure + SVG, and for figure + PNG at 150 dpi; SVG size in bytes."""
    result = run_pooled_analysis(rows, "PLO", "REML")
    to_svg(forest_plot(result, data_rows=rows))  # warm the font and metric caches once
    svg_times, png_times, size = [], [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        size = len(to_svg(forest_plot(result, data_rows=rows)).encode())
        svg_times.append(time.perf_counter() - start)
    for _ in range(max(3, repeats // 3)):
        start = time.perf_counter()
        to_png(forest_plot(result, data_rows=rows), dpi=150)
        png_times.append(time.perf_counter() - start)
    return statistics.median(svg_times), statistics.median(png_times), size


def time_r(rows: list[dict], repeats: int = REPEATS) -> float | None:
    """Median seconds of metafor's forest() to svg(), timed inside R; None without Rscript/metafor."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "studies.csv"
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["study", "xi", "ni"])
            writer.writeheader()
            writer.writerows(rows)
        script = R_TIMING.format(csv=path, repeats=repeats)
        done = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        print(done.stderr[-500:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])["median"]


def run() -> list[dict]:
    rows = studies()
    svg_seconds, png_seconds, size = time_ours(rows)
    r_seconds = time_r(rows)
    if r_seconds is None:
        peer = "—"
    else:
        # Say how R compares with ours, in words that need no arithmetic.
        if r_seconds >= svg_seconds:
            comparison = f"R is {r_seconds / svg_seconds:.1f}x slower"
        else:
            comparison = f"R is {svg_seconds / r_seconds:.1f}x faster"
        peer = f"R metafor forest() to svg(): {r_seconds * 1e3:.0f} ms ({comparison})"
    return [
        {
            "figure": f"forest plot, {STUDIES} studies, to SVG ({size / 1024:.0f} KiB)",
            "target": f"≤ {TARGET_MS} ms",
            "measured": f"{svg_seconds * 1e3:.0f} ms",
            "peer": peer,
        },
        {
            "figure": f"forest plot, {STUDIES} studies, to PNG at 150 dpi",
            "target": "—",
            "measured": f"{png_seconds * 1e3:.0f} ms",
            "peer": "—",
        },
    ]


def main() -> None:
    from table import print_table

    print_table(run())


if __name__ == "__main__":
    main()
