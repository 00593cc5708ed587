"""Benchmark: a REML random-effects fit with everything (CI, PI, Q, I², Q-profile tau² CI), k = 41 and 1,000.

Run from the project root: .venv/bin/python bench/bench_meta.py
Prints a table (figure, target, measured, peer). run() returns the same rows for bench/run_all.py.
The peer is R metafor's rma(yi, vi, method = "REML") + predict() + confint() on the same data, timed
inside R (system.time over repeats) so R's start-up does not count.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.engine import pool_inverse_variance  # noqa: E402

SIZES = {41: 1.0, 1000: 3.0}  # k -> target in milliseconds
REPEATS, NUMBER = 15, 200

R_SCRIPT = """
suppressMessages(library(metafor))
d <- read.csv("{csv}")
ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
fit_all <- function() {{
  res <- rma(yi, vi, data = d, method = "REML", control = ctrl)
  predict(res); confint(res, control = list(tol = 1e-12))
  res
}}
res <- fit_all()
n <- {number}
times <- replicate({repeats}, system.time(for (i in seq_len(n)) fit_all())[["elapsed"]] / n)
cat(sprintf("%.9f %.15g\\n", median(times), res$tau2))
"""


def simulate(k: int, seed: int = 41) -> tuple[np.ndarray, np.ndarray]:
    """Log risk ratios with heterogeneity (tau² = 0.1) and sampling variances like small trials."""
    rng = np.random.default_rng(seed + k)
    vi = rng.uniform(0.01, 0.25, k)
    yi = rng.normal(-0.4, np.sqrt(vi + 0.1))
    return yi, vi


def time_ours(yi: np.ndarray, vi: np.ndarray) -> float:
    """Median seconds per full fit (tau², CI, PI, Q, I², tau² CI) in this process."""
    runs = timeit.repeat(lambda: pool_inverse_variance(yi, vi, "REML"), number=NUMBER, repeat=REPEATS)
    return statistics.median(runs) / NUMBER


def time_r(yi: np.ndarray, vi: np.ndarray) -> tuple[float, float] | None:
    """Median seconds per fit in R metafor, and its tau²; None when R or metafor is missing."""
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        np.savetxt(csv, np.column_stack([yi, vi]), delimiter=",", header="yi,vi", comments="", fmt="%.17g")
        # metafor works with dense k×k matrices: seconds per fit at k = 1,000, so fewer repeats there
        number, repeats = (20, 7) if yi.size <= 100 else (1, 3)
        script = R_SCRIPT.format(csv=csv, number=number, repeats=repeats)
        completed = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, timeout=600)
    if completed.returncode != 0:
        print(f"R failed: {completed.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    seconds, tau2 = completed.stdout.split()
    return float(seconds), float(tau2)


def run() -> list[dict]:
    """Rows of (figure, target, measured, peer) for the benchmark summary."""
    rows = []
    for k, target_ms in SIZES.items():
        yi, vi = simulate(k)
        ours = time_ours(yi, vi)
        fit = pool_inverse_variance(yi, vi, "REML")
        peer = time_r(yi, vi)
        if peer is None:
            peer_text = "R not installed: peer skipped"
        else:
            r_seconds, r_tau2 = peer
            peer_text = (
                f"R metafor {r_seconds * 1e3:.2f} ms ({r_seconds / ours:.0f}x slower); "
                f"tau² relative difference {abs(r_tau2 - fit.tau2) / fit.tau2:.1e}"
            )
        rows.append(
            {
                "figure": f"REML fit with CI, PI, Q, I², tau² CI, k = {k:,}",
                "target": f"< {target_ms:g} ms",
                "measured": f"{ours * 1e3:.3f} ms",
                "peer": peer_text,
            }
        )
    return rows


def main() -> None:
    from table import print_table

    print_table(run())


if __name__ == "__main__":
    main()
