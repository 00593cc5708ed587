"""Coalesced recomputations with real Redis, PostgreSQL and a worker process (nothing mocked).

A burst of edits while an analysis's task waits in the queue adds no second task, and the one
task, once a worker takes it, stores the result of the last edit: fewer tasks, none lost.
"""

import json

import pytest
import redis
from django.conf import settings

from analysis.models import Analysis
from analysis.recompute.marks import forget_marks
from reviews.models import Review
from tests.analysis.builders import dichotomous_review, events_cell, save
from tests.workers import WorkerProcess, require_worker_services, wait_for

pytestmark = pytest.mark.services


def queued_recomputes(analysis_id: int) -> int:
    """Messages waiting in Redis's default queue that recompute this analysis."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    count = 0
    for raw in client.lrange("celery", 0, -1):
        headers = json.loads(raw)["headers"]
        if headers["task"] == "analysis.recompute_analysis" and headers["argsrepr"] == f"({analysis_id},)":
            count += 1
    return count


def test_a_burst_of_edits_queues_one_task_that_stores_the_last(
    transactional_db, review, owner, reviewer, tmp_path
):
    require_worker_services()
    from config.celery import app

    built = dichotomous_review(review, owner, reviewer)  # no worker yet: tasks wait in Redis
    analysis = Analysis.objects.create(
        review=review, outcome=built.outcome, name="Burst", measure="OR", method="REML"
    )
    app.control.purge()
    forget_marks()
    study = built.studies[0]
    cell = events_cell(built.outcome, built.arms[study.pk][0])
    for events in range(11, 16):
        save(built.extractions[study.pk], reviewer, cell, events)
    assert queued_recomputes(analysis.pk) == 1

    worker = WorkerProcess(tmp_path / "worker.log").start()
    try:
        version = Review.objects.get(pk=review.pk).data_version
        result = wait_for(
            lambda: Analysis.objects.get(pk=analysis.pk).current_result,
            timeout=60,
            message=f"the result; worker log:\n{worker.log()}",
        )
        assert result.data_version == version
        first_row = next(r for r in result.input_rows["rows"] if r["study_id"] == study.pk)
        assert first_row["ai"] == 15
        # The task has started, so the next edit queues a task of its own and is not lost.
        save(built.extractions[study.pk], reviewer, cell, 16)
        newer = wait_for(
            lambda: Analysis.objects.filter(pk=analysis.pk, current_result__data_version=version + 1).first(),
            timeout=60,
            message=f"the next edit's result; worker log:\n{worker.log()}",
        )
        row = next(r for r in newer.current_result.input_rows["rows"] if r["study_id"] == study.pk)
        assert row["ai"] == 16
    finally:
        worker.stop()
        app.control.purge()
        forget_marks()
