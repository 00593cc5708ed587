"""The recompute protocol with a real worker process, Redis and PostgreSQL (nothing mocked).

Reviewers' saves go through extraction's services; their commits send the data-changed
signal, the analysis receiver publishes recompute tasks to Redis, and a worker process
stores the results. Faults: rapid edits, a worker killed with SIGKILL in the middle of a
task, tasks lost before they reached the broker, and data the engine refuses.
"""

import subprocess
import time

import pytest
from django.urls import reverse

from analysis import engine
from analysis.models import Analysis, AnalysisResult, ResultStatus
from analysis.tasks import sweep_stale_analyses
from extraction.selectors.analysis_input import analysis_rows
from reviews.models import Review
from tests.analysis.builders import (
    EQUAL_VARIANCE_TRIALS,
    continuous_review,
    dichotomous_review,
    events_cell,
    save,
)
from tests.workers import WorkerProcess, require_worker_services, wait_for

pytestmark = pytest.mark.services


def data_version(review) -> int:
    return Review.objects.get(pk=review.pk).data_version


def current_result_of(analysis_id: int, version: int):
    """The analysis's current result if it is of ``version`` (or newer), else None."""
    analysis = Analysis.objects.select_related("current_result").get(pk=analysis_id)
    result = analysis.current_result
    return result if result is not None and result.data_version >= version else None


def wait_for_current(analysis_id, review, worker, timeout=60):
    version = data_version(review)
    return wait_for(
        lambda: current_result_of(analysis_id, version),
        timeout=timeout,
        message=f"a result of data version {version}; worker log:\n{worker.log()}",
    )


def default_analysis(built, worker):
    return wait_for(
        lambda: Analysis.objects.filter(outcome=built.outcome, is_default=True).first(),
        timeout=60,
        message=f"the default analysis; worker log:\n{worker.log()}",
    )


def assert_never_older_after_newer(analysis_id):
    versions = list(
        AnalysisResult.objects.filter(analysis_id=analysis_id)
        .order_by("id")
        .values_list("data_version", flat=True)
    )
    assert versions == sorted(versions) and len(set(versions)) == len(versions), versions


def test_an_edit_produces_a_result_of_the_new_version(celery_worker_process, review, owner, reviewer):
    built = dichotomous_review(review, owner, reviewer)
    analysis = default_analysis(built, celery_worker_process)
    assert (analysis.measure, analysis.method, analysis.prediction_interval) == ("OR", "REML", True)
    first = wait_for_current(analysis.pk, review, celery_worker_process)

    study = built.studies[2]
    save(built.extractions[study.pk], reviewer, events_cell(built.outcome, built.arms[study.pk][0]), 30)
    second = wait_for_current(analysis.pk, review, celery_worker_process)

    assert second.data_version == data_version(review) > first.data_version
    rows = analysis_rows(review_id=review.pk, outcome_id=built.outcome.pk)
    expected = engine.run_pooled_analysis(rows, "OR", "REML", egger=True)
    assert second.numbers["estimate"] == pytest.approx(expected["estimate"], abs=1e-12)
    assert second.numbers["estimate"] != first.numbers["estimate"]
    assert second.worker.startswith("test-worker-")


def test_ten_rapid_edits_end_with_the_last_and_never_store_older_after_newer(
    celery_worker_process, review, owner, reviewer
):
    built = dichotomous_review(review, owner, reviewer)
    analysis = default_analysis(built, celery_worker_process)
    wait_for_current(analysis.pk, review, celery_worker_process)
    study = built.studies[0]
    cell = events_cell(built.outcome, built.arms[study.pk][0])
    for events in range(11, 21):
        save(built.extractions[study.pk], reviewer, cell, events)

    result = wait_for_current(analysis.pk, review, celery_worker_process)
    assert result.data_version == data_version(review)
    first_row = next(r for r in result.input_rows["rows"] if r["study_id"] == study.pk)
    assert first_row["ai"] == 20
    assert_never_older_after_newer(analysis.pk)


@pytest.mark.parametrize("what", ["the whole worker", "the pool process running the task"])
def test_a_worker_killed_in_the_middle_of_a_task_is_caught_up(
    what, transactional_db, review, owner, reviewer, tmp_path, monkeypatch, settings
):
    require_worker_services()
    from config.celery import app

    app.control.purge()
    built = dichotomous_review(review, owner, reviewer)
    analysis = Analysis.objects.create(
        review=review, outcome=built.outcome, name="Killed", measure="OR", method="REML"
    )
    monkeypatch.setenv("OPENSYNTH_TEST_TASK_DELAY_MS", "4000")  # read by the worker process only
    slow = WorkerProcess(tmp_path / "slow.log").start()
    try:
        app.send_task("analysis.recompute_analysis", args=[analysis.pk])
        version = data_version(review)
        wait_for(
            lambda: Analysis.objects.filter(
                pk=analysis.pk, attempt_data_version=version, attempts__gte=1
            ).exists(),
            timeout=60,
            message=f"the task to start; worker log:\n{slow.log()}",
        )
        if what == "the whole worker":
            slow.kill()  # kill -9 of the main process and its children: the message stays unacknowledged
        else:
            # kill -9 of the pool child only: the main process sees it lost and requeues the message
            subprocess.run(["pkill", "-9", "-P", str(slow.process.pid)], check=False)
        assert current_result_of(analysis.pk, version) is None
        monkeypatch.setenv("OPENSYNTH_TEST_TASK_DELAY_MS", "0")
        fresh = slow if what != "the whole worker" else WorkerProcess(tmp_path / "fresh.log").start()
        try:
            if what == "the whole worker":
                # Redis would hand the message back only after the visibility timeout; the sweep covers it.
                settings.RECOMPUTE_STALL_SECONDS = 0
                assert sweep_stale_analyses() >= 1
            result = wait_for(
                lambda: current_result_of(analysis.pk, version),
                timeout=90,
                message=f"catch-up:\n{fresh.log()}",
            )
            assert result.status == ResultStatus.OK
            analysis.refresh_from_db()
            assert analysis.attempts >= 2  # the killed attempt was counted
        finally:
            fresh.stop()
    finally:
        slow.stop()


def test_tasks_lost_before_the_broker_are_caught_up_by_the_sweep(
    transactional_db, review, owner, reviewer, tmp_path
):
    require_worker_services()
    from config.celery import app

    built = dichotomous_review(review, owner, reviewer)  # no worker yet: every task waits in Redis
    analysis = Analysis.objects.create(
        review=review, outcome=built.outcome, name="Lost", measure="OR", method="REML"
    )
    app.control.purge()  # the broker lost every message (a Redis restart without persistence)
    worker = WorkerProcess(tmp_path / "worker.log").start()
    try:
        assert current_result_of(analysis.pk, data_version(review)) is None
        assert sweep_stale_analyses() >= 1
        result = wait_for_current(analysis.pk, review, worker)
        assert result.status == ResultStatus.OK
        # The sweep also made the outcome's default analysis, whose creation was lost with the rest.
        default = default_analysis(built, worker)
        wait_for_current(default.pk, review, worker)
    finally:
        worker.stop()


def test_a_failing_analysis_shows_its_error(
    celery_worker_process, review, owner, reviewer, client, api_client_for
):
    built = dichotomous_review(review, owner, reviewer, trials=[("Only 1999", (3, 20), (5, 20))])
    analysis = Analysis.objects.create(
        review=review,
        outcome=built.outcome,
        name="One trial",
        measure="OR",
        method="REML",
        confidence_method="knha",
    )
    from config.celery import app

    app.send_task("analysis.recompute_analysis", args=[analysis.pk])
    result = wait_for_current(analysis.pk, review, celery_worker_process)
    assert result.status == ResultStatus.FAILED
    assert "needs at least 2 studies" in result.error

    client.force_login(reviewer)
    page = client.get(reverse("analysis:detail", kwargs={"review_id": review.pk, "analysis_id": analysis.pk}))
    assert "needs at least 2 studies" in page.content.decode()
    status = api_client_for(reviewer).get(
        reverse("api-analysis-status", kwargs={"review_id": review.pk, "analysis_id": analysis.pk})
    )
    assert status.json()["state"] == "failed" and "needs at least 2 studies" in status.json()["error"]


def assert_attempts_do_not_loop(analysis):
    """One attempt (two when two deliveries of the same version race), and no more come after it."""
    attempts = Analysis.objects.get(pk=analysis.pk).attempts
    assert 1 <= attempts <= 2
    time.sleep(3)
    assert Analysis.objects.get(pk=analysis.pk).attempts == attempts


def test_a_part_that_cannot_be_computed_is_not_applicable_and_the_analysis_is_current_at_once(
    celery_worker_process, review, owner, reviewer, client
):
    built = continuous_review(review, owner, reviewer, EQUAL_VARIANCE_TRIALS)
    analysis = default_analysis(built, celery_worker_process)
    # Egger's regression has nothing to regress on when every study has the same variance.
    result = wait_for_current(analysis.pk, review, celery_worker_process, timeout=20)
    assert result.status == ResultStatus.OK, result.error
    assert result.numbers["k"] == 3
    assert "same standard error" in result.numbers["not_applicable"]["egger"]
    assert_attempts_do_not_loop(analysis)

    client.force_login(reviewer)
    page = client.get(reverse("analysis:detail", kwargs={"review_id": review.pk, "analysis_id": analysis.pk}))
    assert "same standard error" in page.content.decode()


def test_a_computation_that_raises_is_failed_at_once_with_its_error_and_not_retried(
    transactional_db, review, owner, reviewer, tmp_path, monkeypatch
):
    require_worker_services()
    from analysis.recompute.marks import forget_marks
    from config.celery import app

    app.control.purge()
    forget_marks()
    built = dichotomous_review(review, owner, reviewer)
    # Read by the worker process only: its every computation raises this (a deterministic bug).
    monkeypatch.setenv("OPENSYNTH_TEST_RECOMPUTE_FAULT", "division by zero in a test")
    worker = WorkerProcess(tmp_path / "worker.log").start()
    try:
        analysis = default_analysis(built, worker)
        result = wait_for_current(analysis.pk, review, worker, timeout=20)
        assert result.status == ResultStatus.FAILED
        assert result.error == "The computation failed: ZeroDivisionError: division by zero in a test"
        assert "memory" not in result.error
        assert sweep_stale_analyses() == 0  # a failed result is current: nothing is queued again
        assert_attempts_do_not_loop(analysis)
        assert AnalysisResult.objects.filter(analysis=analysis).count() == 1
    finally:
        worker.stop()


def test_the_beat_schedule_runs_the_sweep(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["analysis-sweep-stale"]
    assert entry["task"] == "analysis.sweep_stale_analyses"
    assert entry["schedule"] == settings.RECOMPUTE_SWEEP_SECONDS
