"""A brief run of bench/load.py: reviewers screening and extracting at once against gunicorn, a
worker, PostgreSQL and Redis. Asserts behaviour only (no errors, every save stored, every
analysis current, every save's result seen); the timings are printed, and the full run
(20 reviewers for 60 s) is in the README with its figures.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import require_service
from tests.workers import PROJECT_ROOT, postgres_in_use

pytestmark = pytest.mark.services


def test_five_reviewers_screening_and_extracting_for_ten_seconds(db, capsys):
    require_service(postgres_in_use(), "PostgreSQL (DATABASE_URL=postgres://…)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENSYNTH_")}
    command = [
        sys.executable,
        "bench/load.py",
        "--reviewers",
        "5",
        "--seconds",
        "10",
        "--records",
        "500",
        "--json",
    ]
    run = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-4000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    with capsys.disabled():
        kinds = ", ".join(f"{k} p50 {v['p50 ms']} ms" for k, v in figures["per kind"].items())
        print(f"\nload, 5 reviewers for 10 s: {figures['requests per second']} requests/s; {kinds}")
    assert figures["errors"] == 0
    assert figures["decisions recorded"] > 0 and figures["saves"] > 0
    assert figures["results late"] == 0
    assert figures["per kind"]["save → result"]["requests"] == figures["saves"]  # every save's result seen
    assert figures["check"] == {"saves checked": 5, "lost saves": 0, "stale analyses": 0}
