"""Benchmark: reading 100,000 RIS records built from the real screening sets, finding their duplicates,
and importing them into PostgreSQL through the import service.

Run from the project root: SHARED_DIR=../shared .venv/bin/python bench/bench_import.py
With DATABASE_URL=postgres://… it also imports the file with `manage.py import_references --review`
(the service an upload uses, run synchronously) into a scratch database it creates and drops
(opensynth_bench_import, on the same server), once into an empty review and once more into the same
review (every new record is then checked against 100,000 existing ones), and reports each job's time
and the peak memory of the importing process.
Prints one line per figure (figure, target, measured). run() returns the same rows for bench/run_all.py.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
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
    del records
    started = time.perf_counter()
    result = parse_ris(text)
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    candidates = find_duplicates(result.records)
    dedup_seconds = time.perf_counter() - started
    parsed = len(result.records)
    del result
    rows = [
        {
            "figure": f"parse {parsed:,} RIS records ({len(text) / 1e6:.0f} MB)",
            "target": "a few seconds",
            "measured": f"{parse_seconds:.2f} s",
        },
        {
            "figure": f"duplicate candidates among {parsed:,} records",
            "target": "seconds",
            "measured": f"{dedup_seconds:.2f} s ({len(candidates):,} pairs)",
        },
    ]
    return rows + _import_into_postgres(text, len(candidates))


BENCH_DATABASE = "opensynth_bench_import"


def _import_into_postgres(text: str, pairs_within: int) -> list[dict]:
    """Import the file twice into one review of a scratch PostgreSQL database, through the command."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL is not PostgreSQL: the import into the database is not measured", file=sys.stderr)
        return []
    import psycopg

    server, _, _ = url.rpartition("/")
    bench_url = f"{server}/{BENCH_DATABASE}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    rows = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "references.ris"
            path.write_text(text, encoding="utf-8")
            megabytes = path.stat().st_size / 1e6
            env = {
                **os.environ,
                "DATABASE_URL": bench_url,
                "OPENSYNTH_DATA_DIR": folder,
                "OPENSYNTH_ENV": "development",
                "OPENSYNTH_MAX_UPLOAD_BYTES": str(2 * path.stat().st_size),
                "OPENSYNTH_LOG_LEVEL": "WARNING",
            }
            manage = [sys.executable, str(ROOT / "manage.py")]
            subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
            setup = (
                "from django.contrib.auth import get_user_model; from reviews import services; "
                "owner = get_user_model().objects.create_user('bench', password='x'); "
                "print(services.review_create(owner=owner, title='Import benchmark').pk)"
            )
            review_id = subprocess.run(
                [*manage, "shell", "-c", setup], env=env, check=True, cwd=ROOT, capture_output=True, text=True
            ).stdout.split()[-1]
            for label, pairs in (
                ("into an empty review", pairs_within),
                ("again, into the same review", None),
            ):
                report, wall, peak = _run_import(manage, env, path, review_id)
                job = _job_seconds(manage, env, report["import_id"])
                rows.append(
                    {
                        "figure": f"import {report['imported']:,} RIS records ({megabytes:.0f} MB) {label}, "
                        "PostgreSQL, through the service",
                        "target": "<= 15 s, <= 1 GB",
                        "measured": f"{job:.1f} s job ({wall:.1f} s command), peak {peak:.0f} MB; "
                        f"{report['duplicates_found']:,} duplicate pairs",
                    }
                )
                assert report["status"] == "done", report.get("failure")
                assert pairs is None or report["duplicates_found"] == pairs
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
    return rows


def _run_import(manage: list[str], env: dict, path: Path, review_id: str) -> tuple[dict, float, float]:
    """Run the command in a child process; (its JSON report, wall seconds, that child's peak RSS in MB)."""
    command = [*manage, "import_references", str(path), "--review", review_id, "--format", "json"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [*command, "--source-name", "Benchmark"], env=env, cwd=ROOT, stdout=out, stderr=err
        )
        # wait4 gives this child's own resource usage (RUSAGE_CHILDREN would mix in the earlier children).
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode:
            raise RuntimeError(err.read().decode(errors="replace")[-3000:])
        report = json.loads(out.read())
    return report, wall, usage.ru_maxrss / 1024


def _job_seconds(manage: list[str], env: dict, import_id: int) -> float:
    """The job's own time (started -> finished), without the command's start-up."""
    code = (
        "from reviews.models import SourceImport; "
        f"i = SourceImport.objects.get(pk={import_id}); print((i.finished_at - i.started_at).total_seconds())"
    )
    out = subprocess.run(
        [*manage, "shell", "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return float(out.stdout.split()[-1])


if __name__ == "__main__":
    for row in run():
        print(f"{row['figure']}\n    target: {row['target']}\n    measured: {row['measured']}")
