"""Faults with real PostgreSQL, Redis, a prefork worker and beat: kill -9 of the worker in the
middle of recomputations, and Redis killed (kill -9) and down during edits.

The reviewers' side is this test process (extraction's services, as the views call them);
the worker and beat are real processes supervised as `manage.py rundev` does, on a
redis-server of the test's own. Rounds and outage length: OPENSYNTH_FAULT_ROUNDS and
OPENSYNTH_FAULT_OUTAGE_SECONDS (CI: 2 rounds of 10 s; bench/faults.py: 20 of 30 s).
Each test prints its figures.
"""

import time

import pytest
from django.conf import settings as django_settings

from analysis.models import Analysis, ResultStatus
from reviews.models import Review
from tests.analysis.builders import dichotomous_review, events_cell, save
from tests.reliability.faults import RedisServer, Workers, point_celery_at, workers_answering
from tests.workers import require_worker_services

pytestmark = pytest.mark.services

CURRENT_WITHIN_SECONDS = 120


@pytest.fixture
def private_redis(transactional_db, tmp_path, settings):
    """A redis-server of this test's own; this process publishes to it and marks queued work in it."""
    require_worker_services()
    original = django_settings.CELERY_BROKER_URL
    server = RedisServer(tmp_path / "redis").start()
    settings.REDIS_URL = server.url
    point_celery_at(server.url)
    yield server
    server.kill()
    point_celery_at(original)


@pytest.fixture
def workers(private_redis, tmp_path):
    running = Workers(
        tmp_path / "processes", private_redis.url, pool=django_settings.FAULT_WORKER_POOL, task_delay_ms=800
    ).start()
    wait_until(workers_answering, 90, lambda: f"the worker to answer:\n{running.worker_log()}")
    yield running
    running.stop()


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what() if callable(what) else what}")


def stale_analyses(review) -> list[str]:
    """Analyses of the review without an OK result of the review's current data version."""
    version = Review.objects.get(pk=review.pk).data_version
    return [
        f"{a.name}: {'no result' if a.current_result is None else a.current_result.data_version} < {version}"
        for a in Analysis.objects.filter(review=review).select_related("current_result")
        if a.current_result is None
        or a.current_result.data_version < version
        or a.current_result.status != ResultStatus.OK
    ]


def seconds_until_current(review, since: float, workers) -> float:
    wait_until(
        lambda: not stale_analyses(review),
        CURRENT_WITHIN_SECONDS,
        lambda: f"every analysis current: {stale_analyses(review)}\n{workers.log}\n{workers.worker_log()}",
    )
    return time.monotonic() - since


class Editor:
    """A reviewer changing event counts one study after another; remembers what each save stored."""

    def __init__(self, review, owner, reviewer):
        self.review, self.reviewer = review, reviewer
        self.built = dichotomous_review(review, owner, reviewer)
        for name, measure, method in (("Risk ratio", "RR", "DL"), ("Odds ratio", "OR", "REML")):
            Analysis.objects.create(
                review=review, outcome=self.built.outcome, name=name, measure=measure, method=method
            )
        self.cells = [
            (self.built.extractions[study.pk], events_cell(self.built.outcome, self.built.arms[study.pk][0]))
            for study in self.built.studies
        ]
        self.expected: dict[str, int] = {}
        self.attempted = self.kept = 0
        self.save_seconds: list[float] = []

    def edit(self) -> None:
        extraction, cell = self.cells[self.attempted % len(self.cells)]
        value = 1 + self.attempted % 97
        self.attempted += 1
        began = time.monotonic()
        save(extraction, self.reviewer, cell, value)  # raises if the save was refused
        self.save_seconds.append(time.monotonic() - began)
        self.kept += 1
        self.expected[cell] = value

    def lost_writes(self) -> int:
        from extraction.models import ExtractedValue

        stored = dict(ExtractedValue.objects.filter(cell__in=self.expected).values_list("cell", "value"))
        return sum(1 for cell, value in self.expected.items() if stored.get(cell) != value)


def report(capsys, title: str, figures: dict) -> None:
    with capsys.disabled():
        print(f"\n{title}: " + "; ".join(f"{key} {value}" for key, value in figures.items()))


def test_worker_killed_mid_recompute_every_analysis_current_within_two_minutes(
    workers, review, owner, reviewer, capsys
):
    editor = Editor(review, owner, reviewer)
    seconds_until_current(review, time.monotonic(), workers)
    times = []
    for _ in range(django_settings.FAULT_ROUNDS):
        editor.edit()
        version = Review.objects.get(pk=review.pk).data_version
        # kill -9 while a recomputation of the new version runs (each takes 0.8 s more here)
        wait_until(
            lambda v=version: Analysis.objects.filter(review=review, attempt_data_version=v).exists(),
            60,
            lambda: f"a recomputation to start:\n{workers.worker_log()}",
        )
        workers.kill_worker()
        times.append(seconds_until_current(review, time.monotonic(), workers))
    report(
        capsys,
        "worker killed mid-recompute",
        {
            "kills": len(times),
            "saves attempted/kept": f"{editor.attempted}/{editor.kept}",
            "lost writes": editor.lost_writes(),
            "analyses stale after recovery": len(stale_analyses(review)),
            "max s to current": f"{max(times):.1f}",
            "worker restarts": workers.deaths(),
        },
    )
    assert editor.lost_writes() == 0 and not stale_analyses(review)
    assert max(times) <= CURRENT_WITHIN_SECONDS
    assert workers.deaths() >= len(times)  # every killed worker was started again ...
    assert workers_answering()  # ... and one answers now


def test_redis_killed_and_down_during_edits_every_save_kept_and_every_analysis_current(
    private_redis, workers, review, owner, reviewer, capsys
):
    editor = Editor(review, owner, reviewer)
    seconds_until_current(review, time.monotonic(), workers)
    outage = django_settings.FAULT_OUTAGE_SECONDS
    times, during_outage = [], []
    for _ in range(django_settings.FAULT_ROUNDS):
        private_redis.kill()
        began, saves_before = time.monotonic(), editor.kept
        while time.monotonic() - began < outage:
            editor.edit()
            time.sleep(0.3)
        during_outage.append(editor.kept - saves_before)
        private_redis.start()  # same port, same append-only file
        returned = time.monotonic()
        times.append(seconds_until_current(review, returned, workers))
        # No worker left dead: one answers (the supervisor restarts a worker that died).
        wait_until(workers_answering, CURRENT_WITHIN_SECONDS, lambda: f"a worker:\n{workers.log}")
    report(
        capsys,
        f"Redis down {outage} s during edits",
        {
            "outages": len(times),
            "saves attempted/kept": f"{editor.attempted}/{editor.kept}",
            "saves during outages": sum(during_outage),
            "slowest save s": f"{max(editor.save_seconds):.2f}",
            "lost writes": editor.lost_writes(),
            "analyses stale after recovery": len(stale_analyses(review)),
            "max s to current after Redis returned": f"{max(times):.1f}",
            "worker deaths (restarted)": workers.deaths(),
            "pool": django_settings.FAULT_WORKER_POOL,
        },
    )
    assert editor.attempted == editor.kept and editor.lost_writes() == 0
    assert all(during_outage)  # reviewers saved while the broker was down
    assert not stale_analyses(review) and max(times) <= CURRENT_WITHIN_SECONDS
