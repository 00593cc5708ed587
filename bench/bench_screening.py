"""Benchmark: "next record" and "record decision" over real HTTP in a review of 100,000 records,
10 reviewers screening at once, and the SQL queries each request makes at 1,000 and 100,000 records.

Run from the project root (PostgreSQL only; SHARED_DIR gives real titles and abstracts):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_screening.py

In a scratch database it creates and drops (opensynth_bench_<pid>, on the DATABASE_URL server) it
builds a review of 100,000 records half-way through title/abstract screening (bench/screening_data.py)
and one of 1,000, starts gunicorn with 4 workers (the README's production command) on a free port of
127.0.0.1, and runs 10 client threads, each signed in as its own reviewer through the login page, each
looping: GET the screening card (the next record, my progress) and POST a decision on that record the
way the page's htmx does (the answer is the next card). Three phases, bounded in rounds and seconds:
"alone" (one reviewer, no pause: the service time), "paced" (10 reviewers, each pausing 0.1-0.4 s
between requests, still far faster than people screen) and "flat out" (10 reviewers, no pause: 10
requests always in flight on this machine's cores, so latency includes queueing). Each phase also
reports the CPU the requests cost (gunicorn workers and PostgreSQL backends, from /proc) and the
machine's load average, since other programs on a shared machine slow every request down.
The query counts come from Django's test client with CaptureQueriesContext in a child process.
There is no peer: Rayyan and Covidence are closed services. run() returns rows for bench/run_all.py.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

import screening_data as data  # noqa: E402

RECORDS, SMALL = 100_000, 1_000
WORKERS = 4
TARGET = "p95 <= 50 ms"
# (name, reviewers, rounds per reviewer, seconds at most, pause range in seconds or None)
PHASES = [
    ("alone", 1, 60, 60, None),
    ("paced", 10, 40, 60, (0.1, 0.4)),
    ("flat out", 10, 40, 60, None),
]
WARM_UP_ROUNDS = 3
CARD = "/reviews/{review}/screening/title-abstract/card/"
DECIDE = "/reviews/{review}/screening/title-abstract/records/{record}/decide/"


def run() -> list[dict]:
    """Build, serve, load and count; no rows (with a message) unless DATABASE_URL is PostgreSQL."""
    url = data.postgres_url()
    if url is None:
        print(
            "bench_screening: DATABASE_URL must be PostgreSQL (postgres://…); nothing measured",
            file=sys.stderr,
        )
        return []
    rows = []
    with tempfile.TemporaryDirectory() as folder, data.scratch_database(url, folder) as bench_url:
        built = data.run_child(bench_url, folder, HERE, "--build")
        queries = data.run_child(bench_url, folder, HERE, "--queries", json.dumps(built))
        with web_server(bench_url, folder) as (port, server_pid):
            # Every worker imports its views and templates and opens its connection on its first requests.
            load(port, built["big"], built["reviewers"], WARM_UP_ROUNDS, 60, None)
            for name, reviewers, rounds, seconds, pause in PHASES:
                before, cpu = os.getloadavg()[0], _server_cpu(server_pid, bench_url)
                result = load(port, built["big"], built["reviewers"][:reviewers], rounds, seconds, pause)
                cpu = _cpu_used(cpu, _server_cpu(server_pid, bench_url))
                rows += _load_rows(name, reviewers, result)
                # Other programs on the machine slow every request down: say how busy it was, and
                # what the requests cost in CPU (gunicorn workers, PostgreSQL backends), waits aside.
                requests = result["requests"]
                rows[-1]["measured"] += (
                    f"; server CPU per request {1000 * cpu['python'] / requests:.1f} ms Python + "
                    f"{1000 * cpu['postgres'] / requests:.1f} ms PostgreSQL"
                    f"; load average {before:.1f} before, {os.getloadavg()[0]:.1f} after"
                )
    sizes = " / ".join(f"{n:,}" for n in (SMALL, RECORDS))
    rows.append(
        {
            "figure": f"screening: SQL queries per request at {sizes} records",
            "target": "the same at every size",
            "measured": "; ".join(f"{kind} {small} / {big}" for kind, (small, big) in queries.items()),
            "peer": "—",
        }
    )
    return rows


def _load_rows(name: str, reviewers: int, result: dict) -> list[dict]:
    rate = result["requests"] / result["seconds"]
    rows = []
    for kind, label in (
        ("next", "next record (GET card)"),
        ("decide", "record decision (POST, answers the next card)"),
    ):
        times = np.array(result["times"][kind])
        p50, p95, p99 = np.percentile(times, [50, 95, 99])
        rows.append(
            {
                "figure": f"screening, {RECORDS:,} records, {_people(reviewers)} {name}: {label}",
                "target": TARGET,
                "measured": f"p50 {p50:.1f} / p95 {p95:.1f} / p99 {p99:.1f} ms ({len(times)} requests, {rate:.0f}/s)",
                "peer": "—",
            }
        )
    rows[-1]["measured"] += (
        f"; {result['recorded']} decisions recorded, {result['refused']} refused (already resolved by two others)"
    )
    if result["errors"]:
        rows[-1]["measured"] += f"; {result['errors']} failed requests"
    return rows


def _people(n: int) -> str:
    return "1 reviewer" if n == 1 else f"{n} reviewers"


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_cpu(server_pid: int, url: str) -> dict[int, tuple[str, float]]:
    """{pid: (kind, CPU seconds so far)} of the gunicorn workers and the PostgreSQL backends on the database."""
    import psycopg

    processes = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == server_pid:
                processes[int(stat.parent.name)] = ("python", _cpu_seconds(int(stat.parent.name)))
        except (OSError, ValueError, IndexError):
            continue
    with psycopg.connect(url, autocommit=True) as admin:
        for (pid,) in admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ):
            processes[pid] = ("postgres", _cpu_seconds(pid))
    return processes


def _cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds used between two snapshots, per kind (a process that started in between counts whole)."""
    used = {"python": 0.0, "postgres": 0.0}
    for pid, (kind, seconds) in after.items():
        used[kind] += seconds - before.get(pid, (kind, 0.0))[1]
    return used


# The web server and the clients ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def web_server(url: str, folder: str):
    """gunicorn on 127.0.0.1 and a free port, on the scratch database; stopped (by its pid) afterwards."""
    port = _free_port()
    log = Path(folder) / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", str(WORKERS), "--log-level", "warning"],
            # Persistent connections, as a production server keeps them.
            env={**data.child_env(url, folder), "OPENSYNTH_DB_CONN_MAX_AGE": "3600"},
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _request(port, "GET", "/accounts/login/", {})[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield port, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _request(port: int, method: str, path: str, cookies: dict, form: dict | None = None, headers=None):
    """One HTTP request (gunicorn's sync workers close every connection); (status, body, new cookies)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        head = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), **(headers or {})}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            head["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=head)
        response = connection.getresponse()
        content = response.read()
        new = {}
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            new[name.strip()] = rest.split(";", 1)[0]
        return response.status, content, new
    finally:
        connection.close()


def _sign_in(port: int, username: str) -> dict:
    cookies: dict = {}
    _, _, new = _request(port, "GET", "/accounts/login/", cookies)
    cookies.update(new)
    form = {"username": username, "password": data.PASSWORD, "csrfmiddlewaretoken": cookies["csrftoken"]}
    status, _, new = _request(port, "POST", "/accounts/login/", cookies, form)
    cookies.update(new)
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"{username} could not sign in (HTTP {status})")
    return cookies


RECORD_ID = re.compile(rb'data-record-id="(\d+)"')


def load(port: int, review: int, usernames: list[str], rounds: int, seconds: float, pause) -> dict:
    """Every reviewer in a thread: GET card, POST a decision on its record; timings in ms per kind."""
    times = {"next": [], "decide": []}
    totals = {"recorded": 0, "refused": 0, "errors": 0, "requests": 0}
    lock = threading.Lock()
    sessions = [_sign_in(port, name) for name in usernames]
    start = threading.Barrier(len(usernames))  # all reviewers begin together

    def reviewer(index: int, cookies: dict) -> None:
        rng = random.Random(index)
        mine = {"next": [], "decide": []}
        counts = dict.fromkeys(totals, 0)
        start.wait()
        deadline = time.monotonic() + seconds
        for round_ in range(rounds + WARM_UP_ROUNDS):
            if time.monotonic() > deadline:
                break
            began = time.perf_counter()
            status, body, _ = _request(port, "GET", CARD.format(review=review), cookies)
            elapsed = (time.perf_counter() - began) * 1000
            counts["requests"] += 1
            found = RECORD_ID.search(body)
            if status != 200 or not found:
                counts["errors"] += status != 200
                break
            if round_ >= WARM_UP_ROUNDS:
                mine["next"].append(elapsed)
            if pause:
                time.sleep(rng.uniform(*pause))
            form = {"decision": "include" if rng.random() < 0.3 else "exclude"}
            headers = {"HX-Request": "true", "X-CSRFToken": cookies["csrftoken"]}
            path = DECIDE.format(review=review, record=found.group(1).decode())
            began = time.perf_counter()
            status, body, _ = _request(port, "POST", path, cookies, form, headers)
            elapsed = (time.perf_counter() - began) * 1000
            counts["requests"] += 1
            if status != 200:
                counts["errors"] += 1
            elif b"Decision recorded." in body:
                counts["recorded"] += 1
            else:
                counts["refused"] += 1
            if round_ >= WARM_UP_ROUNDS:
                mine["decide"].append(elapsed)
            if pause:
                time.sleep(rng.uniform(*pause))
        with lock:
            for kind in times:
                times[kind] += mine[kind]
            for key in totals:
                totals[key] += counts[key]

    threads = [threading.Thread(target=reviewer, args=(i, c)) for i, c in enumerate(sessions)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"times": times, "seconds": time.perf_counter() - began, **totals}


# Child processes (inside Django, on the scratch database) -------------------------------------------------


def _build() -> dict:
    data.setup_django()
    small = data.build_review(records=SMALL, title=f"Screening benchmark, {SMALL:,} records")
    big = data.build_review(records=RECORDS, title=f"Screening benchmark, {RECORDS:,} records")
    data.vacuum_analyze()
    return {"small": small["review"], "big": big["review"], "reviewers": big["reviewers"]}


def _count_queries(built: dict) -> dict:
    """SQL queries of the card, a decision (htmx), and the API's next record and decision, per review size."""
    data.setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from reviews.models import Review
    from reviews.selectors.screening import next_record_for

    setup_test_environment()
    user = get_user_model().objects.get(username=built["reviewers"][0])
    client = Client()
    client.force_login(user)
    counts: dict[str, list[int]] = {}

    def count(kind: str, call) -> None:
        with CaptureQueriesContext(connection) as captured:
            response = call()
        assert response.status_code in (200, 201), (kind, response.status_code)
        counts.setdefault(kind, []).append(len(captured.captured_queries))

    for review_id in (built["small"], built["big"]):
        review = Review.objects.get(pk=review_id)
        api = f"/api/reviews/{review_id}/screening/title-abstract"
        client.get(CARD.format(review=review_id))  # the session's first read is not the request's
        count("card", lambda rid=review_id: client.get(CARD.format(review=rid)))
        record = next_record_for(review=review, user=user, stage="title_abstract")
        count(
            "decision (htmx)",
            lambda rid=review_id, r=record: client.post(
                DECIDE.format(review=rid, record=r.pk), {"decision": "exclude"}, HTTP_HX_REQUEST="true"
            ),
        )
        count("API next", lambda a=api: client.get(f"{a}/next/"))
        record = next_record_for(review=review, user=user, stage="title_abstract")
        count(
            "API decision",
            lambda a=api, r=record: client.post(
                f"{a}/decisions/", {"record": r.pk, "decision": "include"}, content_type="application/json"
            ),
        )
    return counts


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        print(json.dumps(_build()))
    elif sys.argv[1:2] == ["--queries"]:
        print(json.dumps(_count_queries(json.loads(sys.argv[2]))))
    else:
        os.environ.setdefault("SHARED_DIR", str(ROOT.parent / "shared"))
        from table import print_table

        print_table(run())
