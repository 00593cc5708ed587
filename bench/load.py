"""Load: simulated reviewers screening and extracting at once against gunicorn, a worker, PostgreSQL, Redis.

Everything runs on 127.0.0.1 only: a scratch database (opensynth_bench_<pid>, created and dropped
on the DATABASE_URL server), a redis-server of its own on a free port, gunicorn with 4 workers (the
README's production command) and a Celery worker with 2 processes. Each reviewer (a thread, signed
in through the login page) loops, bounded in rounds and seconds: three title/abstract decisions
(GET the card, POST the decision as the page's htmx does), then one save of an extracted value of
its own study through the REST API, then it polls the analysis status (as the page's fallback
polling does, every 0.2 s) until the pooled result includes the save: "save → result".
At the end it checks in the database that every acknowledged save is stored and that every
analysis is current, and prints throughput and p50/p95 per request kind.

Usage (20 reviewers for 60 s by default; CI runs 5 for 10 s, tests/reliability/test_faults_load.py):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/load.py [--reviewers 20] [--seconds 60] [--records 5000] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

import screening_data as data  # noqa: E402
from bench_screening import CARD, DECIDE, RECORD_ID, _request, _sign_in, web_server  # noqa: E402

RECORDS = 5_000
DECISIONS_PER_SAVE = 3
ROUNDS_AT_MOST = 10_000
RESULT_WAIT_SECONDS = 60
VALUES = "/api/reviews/{review}/studies/{study}/extractions/{extraction}/values/"
STATUS = "/api/reviews/{review}/analyses/{analysis}/status/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def redis_server(folder: str):
    port = _free_port()
    server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--dir", folder, "--logfile", str(Path(folder) / "redis.log")],
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.kill()
        server.wait(timeout=10)


@contextlib.contextmanager
def worker(url: str, folder: str):
    log = (Path(folder) / "worker.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--hostname", f"load-{os.getpid()}@%h"],
        env=data.child_env(url, folder), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def percentile(values, q) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def run(reviewers: int, seconds: float, records: int = RECORDS) -> dict:
    url = data.postgres_url()
    if url is None:
        raise SystemExit("bench/load.py: DATABASE_URL must be PostgreSQL (postgres://…)")
    with tempfile.TemporaryDirectory() as folder, redis_server(folder) as redis_url:
        os.environ["REDIS_URL"] = (
            redis_url  # read by data.child_env for gunicorn, the worker and the children
        )
        with data.scratch_database(url, folder) as bench_url:
            built = data.run_child(bench_url, folder, HERE, "--build", str(reviewers), str(records))
            with worker(bench_url, folder), web_server(bench_url, folder) as (port, _):
                figures = load(port, built, seconds)
                figures["check"] = data.run_child(
                    bench_url,
                    folder,
                    HERE,
                    "--check",
                    json.dumps({**built, "expected": figures.pop("expected")}),
                )
    return figures


def load(port: int, built: dict, seconds: float) -> dict:
    times: dict[str, list[float]] = {"card": [], "decide": [], "save": [], "status": [], "save → result": []}
    counts = {"requests": 0, "errors": 0, "decisions recorded": 0, "saves": 0, "results late": 0}
    expected: dict[str, int] = {}
    lock = threading.Lock()
    people = built["people"]
    sessions = [_sign_in(port, person["username"]) for person in people]
    start = threading.Barrier(len(people))

    def reviewer(index: int, cookies: dict) -> None:
        person = people[index]
        mine = {kind: [] for kind in times}
        mine_counts = dict.fromkeys(counts, 0)
        headers = {"X-CSRFToken": cookies["csrftoken"]}
        values = VALUES.format(review=built["review"], study=person["study"], extraction=person["extraction"])
        status_path = STATUS.format(review=built["review"], analysis=built["analysis"])
        version, value, saved = person["version"], person["value"], None

        def timed(kind, method, path, form=None, json_body=None, extra=None):
            began = time.perf_counter()
            if json_body is not None:
                status, body = _json_request(
                    port, method, path, cookies, json_body, {**headers, **(extra or {})}
                )
            else:
                status, body, _ = _request(port, method, path, cookies, form, {**headers, **(extra or {})})
            mine[kind].append((time.perf_counter() - began) * 1000)
            mine_counts["requests"] += 1
            mine_counts["errors"] += not 200 <= status < 300
            return status, body

        start.wait()
        deadline = time.monotonic() + seconds
        for round_ in range(ROUNDS_AT_MOST):
            if time.monotonic() > deadline:
                break
            for _ in range(DECISIONS_PER_SAVE):
                status, body = timed("card", "GET", CARD.format(review=built["review"]))
                found = RECORD_ID.search(body)
                if status != 200 or not found:
                    break
                path = DECIDE.format(review=built["review"], record=found.group(1).decode())
                decision = "include" if (round_ + index) % 3 == 0 else "exclude"
                status, body = timed(
                    "decide", "POST", path, form={"decision": decision}, extra={"HX-Request": "true"}
                )
                mine_counts["decisions recorded"] += status == 200 and b"Decision recorded." in body
            value = value % 40 + 1  # events of the experimental arm, within its total
            began = time.perf_counter()
            status, body = timed(
                "save",
                "POST",
                values,
                json_body={"cell": person["cell"], "value": value, "based_on_version": version},
            )
            if status != 200:
                continue
            version, saved = json.loads(body)["version"], value
            mine_counts["saves"] += 1
            waited_until = time.monotonic() + RESULT_WAIT_SECONDS
            while time.monotonic() < waited_until:
                status, body = timed("status", "GET", status_path)
                if status == 200 and json.loads(body)["state"] == "current":
                    mine["save → result"].append((time.perf_counter() - began) * 1000)
                    break
                time.sleep(0.2)
            else:
                mine_counts["results late"] += 1
        with lock:
            for kind in times:
                times[kind] += mine[kind]
            for key in counts:
                counts[key] += mine_counts[key]
            if saved is not None:
                expected[person["cell"]] = saved

    threads = [threading.Thread(target=reviewer, args=(i, c)) for i, c in enumerate(sessions)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {
        "reviewers": len(people),
        "seconds": round(elapsed, 1),
        "requests per second": round(counts["requests"] / elapsed, 1),
        **counts,
        "per kind": {
            kind: {
                "requests": len(values),
                "per second": round(len(values) / elapsed, 2),
                "p50 ms": round(percentile(values, 50), 1),
                "p95 ms": round(percentile(values, 95), 1),
            }
            for kind, values in times.items()
        },
        "expected": expected,
    }


def _json_request(port, method, path, cookies, payload, headers) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        head = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Content-Type": "application/json",
            **headers,
        }
        connection.request(method, path, body=json.dumps(payload), headers=head)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# Child processes (inside Django, on the scratch database) -------------------------------------------------


def _build(reviewers: int, records: int) -> dict:
    """A review of ``records`` records in mid-screening, one study per reviewer with their extraction, one analysis."""
    data.setup_django()
    from django.contrib.auth import get_user_model

    from analysis.models import Analysis
    from extraction import services as extraction
    from extraction.models import ExtractedValue, OutcomeKind
    from reviews.models import Review

    built = data.build_review(records=records, title="Load benchmark", reviewers=reviewers)
    review = Review.objects.get(pk=built["review"])
    users = get_user_model().objects
    owner = users.get(username=built.get("owner", "bench_owner"))
    outcome = extraction.outcome_create(
        review=review, user=owner, name="Relapse", kind=OutcomeKind.DICHOTOMOUS
    )
    people = []
    for index, username in enumerate(built["reviewers"]):
        user = users.get(username=username)
        study = extraction.study_create(review=review, user=owner, label=f"Trial {index + 1:02d}")
        arms = [extraction.arm_create(study=study, user=owner, label=label) for label in ("IL-2", "Control")]
        own = extraction.extraction_open(study=study, user=user)
        for arm, events in zip(arms, (5 + index % 7, 9 + index % 5), strict=True):
            for key, value in (("events", events), ("total", 60)):
                extraction.value_save(
                    extraction=own,
                    user=user,
                    cell=f"o{outcome.pk}:a{arm.pk}:{key}",
                    value=value,
                    based_on_version=0,
                )
        cell = f"o{outcome.pk}:a{arms[0].pk}:events"
        stored = ExtractedValue.objects.get(extraction=own, cell=cell)
        people.append(
            {
                "username": username,
                "study": study.pk,
                "extraction": own.pk,
                "cell": cell,
                "version": stored.version,
                "value": stored.value,
            }
        )
    analysis = Analysis.objects.create(
        review=review, outcome=outcome, name="Relapse, RR", measure="RR", method="REML"
    )
    return {"review": review.pk, "analysis": analysis.pk, "people": people}


def _check(built: dict) -> dict:
    """Every acknowledged save stored; every analysis current once the worker has caught up (bounded wait)."""
    data.setup_django()
    from analysis.models import Analysis
    from extraction.models import ExtractedValue
    from reviews.models import Review

    stored = dict(ExtractedValue.objects.filter(cell__in=built["expected"]).values_list("cell", "value"))
    lost = sum(1 for cell, value in built["expected"].items() if stored.get(cell) != value)
    deadline = time.monotonic() + 120
    while True:
        version = Review.objects.get(pk=built["review"]).data_version
        stale = [
            a.pk
            for a in Analysis.objects.filter(review_id=built["review"]).select_related("current_result")
            if a.current_result is None or a.current_result.data_version < version
        ]
        if not stale or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return {"saves checked": len(built["expected"]), "lost saves": lost, "stale analyses": len(stale)}


def main() -> None:
    parser = argparse.ArgumentParser(description="Simulated reviewers screening and extracting at once.")
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--records", type=int, default=RECORDS, help="records of the review being screened")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    arguments = parser.parse_args()
    figures = run(arguments.reviewers, arguments.seconds, arguments.records)
    if arguments.json:
        print(json.dumps(figures))
        return
    print(
        f"{figures['reviewers']} reviewers for {figures['seconds']} s: {figures['requests']} requests, "
        f"{figures['requests per second']} requests/s, {figures['errors']} errors, "
        f"{figures['decisions recorded']} decisions recorded, {figures['saves']} saves "
        f"({figures['results late']} results later than {RESULT_WAIT_SECONDS} s)"
    )
    print(f"{'kind':<16}{'requests':>10}{'per s':>8}{'p50 ms':>10}{'p95 ms':>10}")
    for kind, row in figures["per kind"].items():
        print(f"{kind:<16}{row['requests']:>10}{row['per second']:>8}{row['p50 ms']:>10}{row['p95 ms']:>10}")
    check = figures["check"]
    print(
        f"after the run: {check['saves checked']} saved cells checked, {check['lost saves']} lost, "
        f"{check['stale analyses']} analyses stale"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--build":
        print(json.dumps(_build(int(sys.argv[2]), int(sys.argv[3]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "--check":
        print(json.dumps(_check(json.loads(sys.argv[2]))))
    else:
        main()
