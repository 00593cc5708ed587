"""Benchmark: stratified Efron Cox fit on 100,000 patients in 10 trials, against R survival's coxph.

Run from the project root: .venv/bin/python bench/bench_cox.py
Prints one line per figure (figure, target, measured, peer). run() returns the same rows for bench/run_all.py.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.engine.survival import cox_treatment_effect  # noqa: E402

PATIENTS, TRIALS, REPEATS = 100_000, 10, 7

# Peak memory is measured in a fresh interpreter so earlier work in this process does not count.
MEMORY_PROBE = """
import resource, sys, tracemalloc
import pandas as pd
sys.path.insert(0, {root!r})
from analysis.engine.survival import cox_treatment_effect
data = pd.read_csv({csv!r})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
cox_treatment_effect(data, time="time", event="event", treatment="treatment", control="control", strata="trial")
traced = tracemalloc.get_traced_memory()[1]
print(traced, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, before * 1024)
"""

R_TIMING = """
suppressMessages(library(survival))
d <- read.csv("{csv}")
d$treatment <- factor(d$treatment, levels = c("control", "active"))
times <- sapply(1:{repeats}, function(i) system.time(
  fit <<- coxph(Surv(time, event) ~ treatment + strata(trial), data = d, ties = "efron"))[["elapsed"]])
cat(sprintf('{{"median": %.6f, "coef": %.15g}}\\n', median(times), coef(fit)[1]))
"""


def simulate(patients: int = PATIENTS, trials: int = TRIALS, seed: int = 2024) -> pd.DataFrame:
    """Patients in trials with whole-day follow-up (heavy ties), treatment log HR -0.2."""
    rng = np.random.default_rng(seed)
    trial = rng.integers(0, trials, patients)
    treated = rng.integers(0, 2, patients)
    baseline = 1 / 700 * (1 + trial / 5)
    event_time = rng.exponential(1 / (baseline * np.exp(-0.2 * treated)))
    censor_time = rng.uniform(180, 1800, patients)
    return pd.DataFrame(
        {
            "trial": [f"trial{k:02d}" for k in trial],
            "treatment": np.where(treated == 1, "active", "control"),
            "time": np.ceil(np.minimum(event_time, censor_time)),
            "event": (event_time <= censor_time).astype(int),
        }
    )


def time_ours(data: pd.DataFrame, repeats: int = REPEATS) -> tuple[float, dict]:
    """Median wall time of the full engine call (validation + sorting + Newton-Raphson)."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = cox_treatment_effect(
            data, time="time", event="event", treatment="treatment", control="control", strata="trial"
        )
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


def peak_memory(csv: Path) -> tuple[int, int, int]:
    """(traced peak bytes during the fit, max RSS of the process, max RSS before the fit)."""
    code = MEMORY_PROBE.format(root=str(ROOT), csv=str(csv))
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    traced, rss, before = (int(v) for v in output.split())
    return traced, rss, before


def time_r(csv: Path, repeats: int = REPEATS) -> dict | None:
    """Median elapsed time of coxph inside R (system.time; start-up and CSV reading excluded)."""
    if not shutil.which("Rscript"):
        return None
    script = R_TIMING.format(csv=str(csv), repeats=repeats)
    completed = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True)
    if completed.returncode != 0:
        print(f"R failed: {completed.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    """Rows of (figure, target, measured, peer) for the benchmark summary."""
    data = simulate()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "ipd_100k.csv"
        data.to_csv(csv, index=False)
        ours, result = time_ours(data)
        traced, rss, rss_before = peak_memory(csv)
        r = time_r(csv)
    label = f"stratified Efron Cox, {PATIENTS:,} patients in {TRIALS} trials ({data['time'].nunique()} distinct days)"
    peer = (
        f"R coxph {r['median'] * 1000:.0f} ms (log HR {r['coef']:.10f})"
        if r
        else "R not installed (no Rscript)"
    )
    target = f"<= R/4 = {r['median'] * 250:.0f} ms" if r else "< 100 ms (R ~ 0.4 s / 4)"
    rows = [
        {
            "figure": label,
            "target": target,
            "measured": f"{ours * 1000:.1f} ms median of {REPEATS} (log HR {result['log_hr']:.10f}, {result['iterations']} iterations)",
            "peer": peer,
        },
        {
            "figure": "peak memory of that fit",
            "target": "< 1 GB",
            "measured": f"{traced / 2**20:.0f} MiB allocated at peak (tracemalloc); process max RSS {rss / 2**20:.0f} MiB "
            f"({rss_before / 2**20:.0f} MiB before the fit)",
            "peer": "",
        },
    ]
    if r:
        rows.append(
            {
                "figure": "speed ratio R / ours",
                "target": ">= 4",
                "measured": f"{r['median'] / ours:.1f}x",
                "peer": f"log HR difference {abs(r['coef'] - result['log_hr']):.1e}",
            }
        )
    return rows


def main() -> None:
    from table import print_table

    print_table(run())


if __name__ == "__main__":
    main()
