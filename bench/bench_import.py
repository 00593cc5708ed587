"""Benchmark: reading 100,000 RIS records built from the real screening sets, and finding their duplicates.

Run from the project root: SHARED_DIR=../shared .venv/bin/python bench/bench_import.py
Prints one line per figure (figure, target, measured). run() returns the same rows for bench/run_all.py.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reviews.importing import find_duplicates, parse_file, parse_ris, write_ris  # noqa: E402

RECORDS = 100_000


def _base_records(shared: Path):
    records = []
    for path in sorted((shared / "screening").glob("*.csv")):
        records += parse_file(path).records
    return records


def run() -> list[dict]:
    """Time parsing and duplicate detection; skipped (no rows) without SHARED_DIR."""
    shared = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
    base = _base_records(shared)
    if not base:
        print("no screening sets found; set SHARED_DIR", file=sys.stderr)
        return []
    rng = random.Random(1)
    vocabulary = sorted({word for record in base for word in record.title.split()})
    records = []
    for n in range(RECORDS):
        record = base[n % len(base)]
        # Distinct works with realistic text: half the title words replaced; every 50th is a true copy.
        if n >= len(base) and n % 50:
            words = [word if rng.random() < 0.5 else rng.choice(vocabulary) for word in record.title.split()]
            record = type(record)(**{**record.to_dict(), "title": " ".join(words), "doi": "", "pmid": ""})
        records.append(record)
    text = write_ris(records)
    started = time.perf_counter()
    result = parse_ris(text)
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    candidates = find_duplicates(result.records)
    dedup_seconds = time.perf_counter() - started
    return [
        {
            "figure": f"parse {len(result.records):,} RIS records ({len(text) / 1e6:.0f} MB)",
            "target": "a few seconds",
            "measured": f"{parse_seconds:.2f} s",
        },
        {
            "figure": f"duplicate candidates among {len(result.records):,} records",
            "target": "seconds",
            "measured": f"{dedup_seconds:.2f} s ({len(candidates):,} pairs)",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['figure']}\n    target: {row['target']}\n    measured: {row['measured']}")
