"""PostgreSQL restarted while a reviewer saves: the saves that meet the restart fail with a clear
message (503, "nothing was saved"), none is half-written, and saving works again afterwards.

The database is a throwaway cluster of this test's own (tests/reliability/faults.py), never the
machine's service; the reviewer's side is a process of its own on it (tests/reliability/pg_editor.py)
saving through the REST API. Rounds: OPENSYNTH_FAULT_ROUNDS; each outage lasts
OPENSYNTH_FAULT_OUTAGE_SECONDS. Prints its figures.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from core.middleware import MESSAGE
from tests.conftest import require_service
from tests.reliability.faults import PostgresCluster
from tests.workers import PROJECT_ROOT

pytestmark = pytest.mark.services


@pytest.fixture
def cluster():
    folder = Path(tempfile.mkdtemp(prefix="opensynth-pg-"))
    server = PostgresCluster(folder)
    require_service(server.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
    server.create()
    try:
        yield server
    finally:
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(folder, ignore_errors=True)


def test_postgres_restarted_during_saves(cluster, tmp_path, capsys):
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE opensynth")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENSYNTH_")}
    env.pop("REDIS_URL", None)  # the embedded file broker: no worker is part of this test
    env.update(
        {
            "DATABASE_URL": cluster.url("opensynth"),
            "OPENSYNTH_ENV": "test",
            "OPENSYNTH_DATA_DIR": str(tmp_path),
            "PYTHONPATH": str(PROJECT_ROOT),
        }
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v", "0"], cwd=PROJECT_ROOT, env=env, check=True, timeout=600
    )

    stop_file = tmp_path / "stop"
    errors = (tmp_path / "editor.log").open("w")  # its log of the failed requests: a file, never a full pipe
    editor = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.pg_editor", str(stop_file)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    lines: list[dict] = []
    reader = threading.Thread(
        target=lambda: lines.extend(json.loads(line) for line in editor.stdout), daemon=True
    )
    reader.start()
    outages = []
    try:
        deadline = time.monotonic() + 300
        while not lines and time.monotonic() < deadline and editor.poll() is None:
            time.sleep(0.2)
        assert lines and lines[0].get("ready"), (
            editor.stderr.read() if editor.poll() is not None else "no ready"
        )
        for _ in range(settings.FAULT_ROUNDS):
            time.sleep(3)
            down = time.time()
            cluster.stop()
            time.sleep(settings.FAULT_OUTAGE_SECONDS)
            cluster.start()
            outages.append((down, time.time()))
        time.sleep(5)
    finally:
        stop_file.touch()
        try:
            editor.wait(timeout=120)
        finally:
            if editor.poll() is None:
                editor.kill()
            errors.close()
        reader.join(timeout=30)
    saves = lines[1:]
    saved = [s for s in saves if s["status"] == 200]
    unavailable = [s for s in saves if s["status"] == 503]
    cell = lines[0]["cell"]

    with psycopg.connect(cluster.url("opensynth")) as connection:
        history = [
            row[0]
            for row in connection.execute(
                "SELECT new_value FROM extraction_changelog WHERE cell = %s ORDER BY id", [cell]
            ).fetchall()
        ]
        stored_value, stored_version = connection.execute(
            "SELECT value, version FROM extraction_extractedvalue WHERE cell = %s", [cell]
        ).fetchone()
    history = history[1:]  # the builder's first save of the cell
    # A save refused with 503 whose COMMIT reached PostgreSQL before the connection dropped (the
    # web process cannot know): kept whole, and the message says to look before saving again.
    in_doubt_kept = [s for s in unavailable if s["value"] in history]
    with capsys.disabled():
        print(
            f"\nPostgreSQL restarted {len(outages)} times ({settings.FAULT_OUTAGE_SECONDS} s down) during saves: "
            f"saves attempted {len(saves)}, stored {len(saved)}, answered 503 {len(unavailable)} "
            f"(of which kept whole, the COMMIT in flight: {len(in_doubt_kept)}), other answers "
            f"{sorted({s['status'] for s in saves} - {200, 503, 409})}, half-written 0"
        )
    assert unavailable, "no save met an outage"
    assert all(s["detail"] == MESSAGE for s in unavailable)  # every one says what happened and what to do
    assert {s["status"] for s in saves} <= {200, 503, 409}  # never a bare 500
    # A 409 only follows a save kept whose answer was lost (the editor then goes on from it).
    assert sum(s["status"] == 409 for s in saves) <= len(in_doubt_kept)
    # Nothing half-written: the history is exactly the saves that were kept, in the order they were
    # made (every acknowledged one, and at most those in doubt besides), and the cell holds the last.
    kept = [s["value"] for s in saves if s["status"] == 200 or s in in_doubt_kept]
    assert history == kept
    assert stored_value == kept[-1] and stored_version == 1 + len(kept)
    # Work resumed after each restart.
    for _, up in outages:
        assert any(s["at"] > up for s in saved)
