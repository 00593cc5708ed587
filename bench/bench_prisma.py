"""Benchmark: every box of the PRISMA 2020 flow diagram counted for a review of 100,000 records.

Run from the project root (PostgreSQL only; SHARED_DIR gives real titles and abstracts):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_prisma.py

In a scratch database it creates and drops (opensynth_bench_<pid>, on the DATABASE_URL server) it builds
a review of 100,000 records from four sources, half-way through screening, with full-text exclusions
and their reasons (bench/screening_data.py), then times ``prisma_counts`` in-process (the selector
behind the PRISMA page, its live diagram and the API): median and p95 of repeated calls after a
warm-up, and the number of SQL queries it makes. There is no peer (Rayyan and Covidence are closed
services). run() returns rows for bench/run_all.py.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

import screening_data as data  # noqa: E402

RECORDS, WARM_UP, REPEATS = 100_000, 3, 30


def run() -> list[dict]:
    """Build and time; no rows (with a message) unless DATABASE_URL is PostgreSQL."""
    url = data.postgres_url()
    if url is None:
        print(
            "bench_prisma: DATABASE_URL must be PostgreSQL (postgres://…); nothing measured", file=sys.stderr
        )
        return []
    with tempfile.TemporaryDirectory() as folder, data.scratch_database(url, folder) as bench_url:
        result = data.run_child(bench_url, folder, HERE, "--time")
    times = np.array(result["ms"])
    median, p95 = np.percentile(times, [50, 95])
    return [
        {
            "figure": f"PRISMA 2020 counts, {result['records']:,} records (in-process selector, PostgreSQL)",
            "target": "<= 100 ms",
            "measured": f"median {median:.1f} ms, p95 {p95:.1f} ms ({REPEATS} calls); "
            f"{result['queries']} SQL queries",
            "peer": "—",
        }
    ]


def _time() -> dict:
    """Inside Django on the scratch database: build the review, then time the counts."""
    data.setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews.models import Review
    from reviews.selectors.prisma import prisma_counts

    built = data.build_review(records=RECORDS, title=f"PRISMA benchmark, {RECORDS:,} records")
    data.vacuum_analyze()
    review = Review.objects.get(pk=built["review"])
    for _ in range(WARM_UP):
        counts = prisma_counts(review=review, include_conflicts=True)
    identified = counts["databases"]["identified"] + counts["other"]["identified"]
    assert identified == RECORDS, identified
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        prisma_counts(review=review, include_conflicts=True)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        prisma_counts(review=review, include_conflicts=True)
    return {"ms": times, "queries": len(captured.captured_queries), "records": identified}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--time"]:
        print(json.dumps(_time()))
    else:
        os.environ.setdefault("SHARED_DIR", str(ROOT.parent / "shared"))
        from table import print_table

        print_table(run())
