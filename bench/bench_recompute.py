"""Save of an extracted value → new pooled result readable, with a real worker, Redis and PostgreSQL.

1 and 20 concurrent editors (each on their own study of one review, waiting for their
result before the next edit, as a reviewer watching the analysis page would; the editors are
threads of one process, or with OPENSYNTH_BENCH_EDITORS_AS=processes each a process of its own,
as behind gunicorn's sync workers). Latency is
from the start of the save until a reader reads the analysis's current result of a data
version at least as new as the one the save committed; stale results are counted once all
editors stop. The moment a result becomes readable is told by PostgreSQL itself (LISTEN/NOTIFY
from triggers the benchmark puts on its scratch database only, sent at the storing commit),
and then confirmed by the editor's own read: no poll interval in the figure, no polling load.

Needs DATABASE_URL (PostgreSQL; a scratch database named after it + `_bench_recompute` is
created and dropped beside it) and REDIS_URL; without them it says so and returns no rows. Usage: `.venv/bin/python bench/run_all.py recompute`.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTIFY_CHANNEL = "bench_result_readable"
EDITS_ALONE = 40
EDITS_EACH_OF_20 = 5
TIMEOUT = 120.0
# "threads": all editors share one process (and its GIL), as a threaded server; "processes": each
# editor saves from a process of its own, as behind gunicorn's sync workers. On 2 cores, 20 editor
# processes take CPU from the worker, so "processes" measures slower, not faster.
EDITORS_AS = os.environ.get("OPENSYNTH_BENCH_EDITORS_AS", "threads")


def run() -> list[dict]:
    url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not redis_url.startswith("redis://"):
        print("bench_recompute needs DATABASE_URL (PostgreSQL) and REDIS_URL: not measured", file=sys.stderr)
        return []
    import psycopg

    server, _, name = url.rpartition("/")
    # Named after the given database, so two people benchmarking on one server do not collide.
    BENCH_DATABASE = f"{name.split('?')[0] or 'opensynth'}_bench_recompute"
    bench_url = f"{server}/{BENCH_DATABASE}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    worker = None
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = {
                **os.environ,
                "DATABASE_URL": bench_url,
                "REDIS_URL": redis_url,
                "OPENSYNTH_DATA_DIR": folder,
                "OPENSYNTH_ENV": "development",
                "OPENSYNTH_DEBUG": "0",  # as in production: no per-query debug records
                "OPENSYNTH_LOG_LEVEL": "WARNING",
                "DJANGO_SETTINGS_MODULE": "config.settings",
            }
            env.pop("OPENSYNTH_TEST_TASK_DELAY_MS", None)
            manage = [sys.executable, str(ROOT / "manage.py")]
            subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
            subprocess.run(
                [sys.executable, "-m", "celery", "-A", "config", "purge", "-f"],
                env=env,
                cwd=ROOT,
                check=False,
                capture_output=True,
            )
            log = open(Path(folder) / "worker.log", "wb")  # noqa: SIM115 - closed with the worker
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2",
                 "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--hostname", "bench@%h"],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            child = subprocess.run(
                [sys.executable, __file__, "--measure"], env=env, cwd=ROOT, capture_output=True, text=True
            )
            if child.returncode:
                log.flush()
                worker_log = (Path(folder) / "worker.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{child.stderr[-3000:]}\nworker log:\n{worker_log}")
            figures = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
    rows = []
    for editors, figure in figures.items():
        peer = "no peer (platform-specific)"
        rows.append(
            {
                "figure": f"save → new pooled result readable, {editors} editor(s) ({figure['edits']} edits), p50",
                "target": "<= 100 ms" if editors == "20" else "",
                "measured": f"{figure['p50_ms']:.0f} ms",
                "peer": peer,
            }
        )
        rows.append(
            {
                "figure": f"save → new pooled result readable, {editors} editor(s), p95",
                "target": "<= 300 ms" if editors == "20" else "",
                "measured": f"{figure['p95_ms']:.0f} ms (max {figure['max_ms']:.0f} ms)",
                "peer": peer,
            }
        )
        rows.append(
            {
                "figure": f"stale results at the end, {editors} editor(s)",
                "target": "0",
                "measured": f"{figure['stale']} stale; {figure['out_of_order']} stored out of order",
                "peer": peer,
            }
        )
        rows.append(
            {
                "figure": f"of which: the save itself (p50), save → tasks published (p50), engine time per result (p50), results stored, {editors} editor(s)",
                "target": "",
                "measured": f"{figure['save_p50_ms']:.0f} ms, {figure['published_p50_ms']:.0f} ms, {figure['compute_p50_ms']:.1f} ms, {figure['results']}",
                "peer": peer,
            }
        )
    return rows


# --- the measuring child process (its own Django, on the scratch database) ------------------


def _measure() -> dict:
    import multiprocessing
    import threading

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.db import connection, connections

    from analysis import services as analysis_services
    from analysis.models import Analysis, AnalysisResult
    from analysis.recompute.marks import forget_marks
    from extraction import services as extraction
    from extraction.events import extraction_data_changed
    from extraction.models import ExtractedValue, OutcomeKind
    from reviews import services as review_services
    from reviews.models import Review, Role

    forget_marks()  # the queue was purged: marks of an earlier run's scratch database would mislead
    committed = threading.local()

    def remember(sender, *, data_version, **kwargs):
        # Sent on commit, in the saving thread, after the analysis app's receiver published its tasks.
        committed.version = data_version
        committed.published_at = time.perf_counter()

    extraction_data_changed.connect(remember, dispatch_uid="bench-recompute")
    _Readable.install_triggers(Analysis, AnalysisResult)
    readable = _Readable(Analysis)

    users = get_user_model()
    owner = users.objects.create_user("bench-owner", password="x")
    review = review_services.review_create(owner=owner, title="Recompute benchmark")
    editors = []
    for index in range(20):
        user = users.objects.create_user(f"editor{index}", password="x")
        review_services.member_invite(
            review=review, invited_by=owner, user_identifier=user.username, role=Role.REVIEWER
        )
        editors.append(user)
    outcome = extraction.outcome_create(
        review=review, user=owner, name="Response", kind=OutcomeKind.DICHOTOMOUS
    )
    rng = np.random.default_rng(7)
    sheets = []
    for index in range(20):
        study = extraction.study_create(review=review, user=owner, label=f"Trial {index + 1:02d}")
        arms = [
            extraction.arm_create(study=study, user=owner, label=label) for label in ("Treated", "Control")
        ]
        final = extraction.extraction_open(study=study, user=editors[index])
        for arm in arms:
            total = int(rng.integers(40, 200))
            for key, value in (("total", total), ("events", int(rng.integers(5, total // 2)))):
                extraction.value_save(
                    extraction=final, user=editors[index], cell=f"o{outcome.pk}:a{arm.pk}:{key}",
                    value=value, based_on_version=0,
                )  # fmt: skip
        sheets.append((final, f"o{outcome.pk}:a{arms[0].pk}:events"))
    analysis = analysis_services.analysis_create(
        review=review, user=owner, outcome=outcome, name="Response OR"
    )
    readable.wait(analysis.pk, Review.objects.get(pk=review.pk).data_version)
    readable.close()  # each editor process listens on its own connection
    connection.close()

    save_ms: list[float] = []
    published_ms: list[float] = []

    def edit_loop(index: int, edits: int, latencies: list, errors: list):
        final, cell = sheets[index]
        readable = _Readable(Analysis)
        try:
            for step in range(edits):
                stored = ExtractedValue.objects.get(extraction=final, cell=cell)
                started = time.perf_counter()
                extraction.value_save(
                    extraction=final, user=editors[index], cell=cell,
                    value=5 + (stored.value + step + 1) % 30, based_on_version=stored.version,
                )  # fmt: skip
                save_ms.append((time.perf_counter() - started) * 1000)
                published_ms.append((committed.published_at - started) * 1000)
                readable.wait(analysis.pk, committed.version)
                latencies.append((time.perf_counter() - started) * 1000)
        except Exception as error:  # reported in the figures, never hidden
            errors.append(repr(error))
        finally:
            readable.close()
            connection.close()

    def editor_process(index: int, edits: int, start, out) -> None:
        """One editor in a process of its own, as behind gunicorn's sync workers (README: deployment)."""
        latencies: list = []
        errors: list = []
        start.wait()
        edit_loop(index, edits, latencies, errors)
        out.put((latencies, list(save_ms), list(published_ms), errors))

    def run_editors(count: int, edits: int) -> tuple[list, list]:
        latencies: list[float] = []
        errors: list[str] = []
        if EDITORS_AS == "threads":
            threads = [
                threading.Thread(target=edit_loop, args=(i, edits, latencies, errors)) for i in range(count)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return latencies, errors
        context = multiprocessing.get_context("fork")
        connections.close_all()  # a forked child must open its own connections
        start, out = context.Barrier(count), context.Queue()
        children = [context.Process(target=editor_process, args=(i, edits, start, out)) for i in range(count)]
        for child in children:
            child.start()
        for _ in children:
            child_latencies, child_saves, child_published, child_errors = out.get(timeout=TIMEOUT * edits)
            latencies += child_latencies
            save_ms.extend(child_saves)
            published_ms.extend(child_published)
            errors += child_errors
        for child in children:
            child.join()
        return latencies, errors

    figures = {}
    for count, edits in ((1, EDITS_ALONE), (20, EDITS_EACH_OF_20)):
        save_ms.clear()
        published_ms.clear()
        first_result = (
            AnalysisResult.objects.filter(analysis_id=analysis.pk)
            .order_by("-id")
            .values_list("pk", flat=True)
            .first()
        )
        latencies, errors = run_editors(count, edits)
        if errors:
            raise RuntimeError("; ".join(errors[:5]))
        time.sleep(1.0)  # let duplicate deliveries drain before counting
        version = Review.objects.get(pk=review.pk).data_version
        stale = len([a for a in analysis_services.stale_analysis_ids() if a == analysis.pk])
        current = Analysis.objects.select_related("current_result").get(pk=analysis.pk).current_result
        stale = max(stale, int(current.data_version < version))
        versions = list(
            AnalysisResult.objects.filter(analysis_id=analysis.pk)
            .order_by("id")
            .values_list("data_version", flat=True)
        )
        out_of_order = sum(1 for a, b in zip(versions, versions[1:], strict=False) if b <= a)
        values = np.array(latencies)
        durations = list(
            AnalysisResult.objects.filter(analysis_id=analysis.pk, pk__gt=first_result).values_list(
                "duration_ms", flat=True
            )
        )
        figures[str(count)] = {
            "edits": len(latencies),
            "p50_ms": float(np.percentile(values, 50)),
            "p95_ms": float(np.percentile(values, 95)),
            "max_ms": float(values.max()),
            "stale": stale,
            "out_of_order": out_of_order,
            "save_p50_ms": float(np.percentile(save_ms, 50)),
            "published_p50_ms": float(np.percentile(published_ms, 50)),
            "compute_p50_ms": float(np.percentile(durations, 50)) if durations else 0.0,
            "results": len(durations),
        }
    return figures


class _Readable:
    """Tells waiting editors when a result becomes readable: PostgreSQL NOTIFY, sent at the storing commit.

    Triggers on the scratch database (never on a real one) notify "analysis id:data version" whenever
    an analysis gets a new current result or its current result is re-stamped to a newer version.
    One listening connection wakes the editors; each then reads the result itself, as a page would.
    """

    @staticmethod
    def install_triggers(Analysis, AnalysisResult) -> None:
        from django.db import connection

        analyses, results = Analysis._meta.db_table, AnalysisResult._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"""
                CREATE OR REPLACE FUNCTION bench_notify_current() RETURNS trigger AS $$
                BEGIN
                  PERFORM pg_notify('{NOTIFY_CHANNEL}', NEW.id || ':' || r.data_version)
                    FROM {results} r WHERE r.id = NEW.current_result_id;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql;
                CREATE OR REPLACE TRIGGER bench_notify_current AFTER UPDATE OF current_result_id
                  ON {analyses} FOR EACH ROW EXECUTE FUNCTION bench_notify_current();
                CREATE OR REPLACE FUNCTION bench_notify_restamp() RETURNS trigger AS $$
                BEGIN
                  PERFORM pg_notify('{NOTIFY_CHANNEL}', a.id || ':' || NEW.data_version)
                    FROM {analyses} a WHERE a.current_result_id = NEW.id;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql;
                CREATE OR REPLACE TRIGGER bench_notify_restamp AFTER UPDATE OF data_version
                  ON {results} FOR EACH ROW EXECUTE FUNCTION bench_notify_restamp();
            """)  # fmt: skip

    def __init__(self, Analysis):
        import threading

        import psycopg
        from django.db import connection

        self.Analysis = Analysis
        db = connection.settings_dict
        self._listener = psycopg.connect(
            dbname=db["NAME"], user=db.get("USER") or None, password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None, port=db.get("PORT") or None, autocommit=True,
        )  # fmt: skip
        self._listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        self._newest: dict[int, int] = {}
        self._changed = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stop:
            for note in self._listener.notifies(timeout=0.5):
                analysis_id, version = (int(part) for part in note.payload.split(":"))
                with self._changed:
                    self._newest[analysis_id] = max(version, self._newest.get(analysis_id, 0))
                    self._changed.notify_all()

    def wait(self, analysis_id: int, version: int) -> None:
        """Return once a reader reads a current result of ``version`` or newer."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with self._changed:
                # The timeout is only a safety net: the notification is what wakes the editor.
                self._changed.wait_for(lambda: self._newest.get(analysis_id, 0) >= version, timeout=0.5)
            found = (
                self.Analysis.objects.filter(pk=analysis_id, current_result__data_version__gte=version)
                .values_list("pk", flat=True)
                .first()
            )
            if found:
                return
        raise TimeoutError(f"no result of data version {version} after {TIMEOUT} s")

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=5)
        self._listener.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["--measure"]:
        print(json.dumps(_measure()))
    else:
        for row in run():
            print(row)
