"""An uploaded reference file is imported by a real worker process, through Redis and PostgreSQL."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews.models import DuplicateCandidate, Record, SourceImport
from tests.reviews.import_helpers import FIXTURES, ris
from tests.workers import wait_for


@pytest.fixture(autouse=True)
def delete_stored_uploads(transactional_db):
    """The worker reads uploads from the data folder it shares with the test; remove them afterwards."""
    yield
    for source_import in SourceImport.objects.exclude(file=""):
        source_import.file.delete(save=False)


def _finished(import_id):
    return SourceImport.objects.filter(pk=import_id, status__in=["done", "failed"]).first()


def test_uploaded_file_is_imported_by_a_worker(celery_worker_process, api_client_for, review, reviewer):
    api = api_client_for(reviewer)
    url = reverse("api-imports", kwargs={"review_id": review.pk})
    response = api.post(
        url,
        {
            "file": SimpleUploadedFile("pubmed.nbib", (FIXTURES / "pubmed.nbib").read_bytes()),
            "source_name": "PubMed",
            "source_kind": "database",
        },
        format="multipart",
    )
    assert response.status_code == 202, response.content
    import_id = response.json()["id"]
    assert response["Location"].endswith(f"/imports/{import_id}/")

    done = wait_for(
        lambda: _finished(import_id),
        timeout=60,
        message=f"the worker to import {import_id}; worker log:\n{celery_worker_process.log()}",
    )
    assert done.status == "done", done.failure
    status = api.get(response["Location"]).json()
    assert (status["records_imported"], status["progress_done"], status["progress_total"]) == (4, 4, 4)
    assert Record.objects.filter(review=review, source_import_id=import_id).count() == 4


def test_a_second_upload_finds_its_duplicates_and_a_bad_file_fails_with_a_reason(
    celery_worker_process, api_client_for, review, reviewer
):
    api = api_client_for(reviewer)
    url = reverse("api-imports", kwargs={"review_id": review.pk})
    record = {
        "title": "Interleukin-2 maintenance after remission in AML",
        "authors": ["Baer, M."],
        "year": 2008,
    }
    files = [
        ("medline.ris", ris(record)),
        ("embase.ris", ris(record)),
        ("notes.txt", b"no references here\n"),
    ]
    import_ids = []
    for name, content in files:
        response = api.post(
            url, {"file": SimpleUploadedFile(name, content), "source_name": name}, format="multipart"
        )
        assert response.status_code == 202
        import_ids.append(response.json()["id"])
    finished = [
        wait_for(lambda i=i: _finished(i), timeout=60, message=f"import {i}:\n{celery_worker_process.log()}")
        for i in import_ids
    ]
    assert [f.status for f in finished] == ["done", "done", "failed"]
    assert finished[1].duplicates_found == 1
    assert DuplicateCandidate.objects.filter(review=review).count() == 1
    assert "could not tell the file format" in finished[2].failure


def _beat_process(log_path, schedule_path):
    """A real `celery beat` process, sending the periodic sweeps on the schedule of the settings."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    from tests.workers import PROJECT_ROOT, test_database_url

    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "OPENSYNTH_ENV": "test",
    }
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process by the test
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel",
            "INFO",
            "-s",
            str(schedule_path),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, log


@pytest.fixture
def short_import_timings(monkeypatch):
    """Worker and beat processes started after this use short heartbeat, sweep and stall times.

    Listed before celery_worker_process, so the first worker gets them too; each batch of
    inserted records then takes a while, so the test can kill the worker in the middle.
    """
    monkeypatch.setenv("OPENSYNTH_IMPORT_HEARTBEAT_SECONDS", "1")
    monkeypatch.setenv("OPENSYNTH_IMPORT_STALL_SECONDS", "6")
    monkeypatch.setenv("OPENSYNTH_IMPORT_SWEEP_SECONDS", "2")
    monkeypatch.setenv("OPENSYNTH_TEST_IMPORT_DELAY_MS", "2000")


def test_an_import_whose_worker_is_killed_completes_within_two_minutes(
    short_import_timings, celery_worker_process, api_client_for, review, reviewer, tmp_path
):
    """Issue 12, finding 8: kill -9 of the worker mid-import; the sweep restarts it and it completes, once."""
    import random
    import time

    from tests.workers import WorkerProcess

    total = 4_001  # three batches of inserts
    # Titles far apart, so finding duplicates is quick and the time goes to the batches.
    words = "alpha beta gamma delta interleukin remission cohort maintenance leukaemia placebo".split()
    pick = random.Random(12).choice
    titles = [" ".join(pick(words) for _ in range(8)) + f" {n}" for n in range(total)]
    content = ris(*[{"title": title} for title in titles])
    api = api_client_for(reviewer)
    response = api.post(
        reverse("api-imports", kwargs={"review_id": review.pk}),
        {"file": SimpleUploadedFile("many.ris", content), "source_name": "Embase"},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    import_id = response.json()["id"]
    wait_for(
        lambda: SourceImport.objects.filter(pk=import_id, status="running", progress_done__gt=0).exists(),
        timeout=60,
        message=f"the first batch of import {import_id}:\n{celery_worker_process.log()}",
    )
    celery_worker_process.kill()
    killed_at = time.monotonic()
    stopped = SourceImport.objects.get(pk=import_id)
    assert stopped.status == "running" and 0 < stopped.progress_done < total
    assert not Record.objects.filter(source_import_id=import_id).exists()  # nothing half-written

    second = WorkerProcess(tmp_path / "worker2.log").start()
    beat, beat_log = _beat_process(tmp_path / "beat.log", tmp_path / "beat-schedule")
    try:
        seen_restarting = []

        def finished():
            status = api.get(response["Location"]).json()
            if status["restarting"]:
                seen_restarting.append(status)
            return _finished(import_id)

        done = wait_for(
            finished,
            timeout=120,
            interval=0.2,
            message=f"import {import_id} to finish after the kill:\n{second.log()}\n{(tmp_path / 'beat.log').read_text()}",
        )
        elapsed = time.monotonic() - killed_at
    finally:
        beat.terminate()
        beat.wait(timeout=20)
        beat_log.close()
        second.stop()
    print(f"import restarted and finished {elapsed:.1f} s after its worker was killed")
    assert done.status == "done", done.failure
    assert done.attempts == 2 and done.records_imported == total
    assert Record.objects.filter(source_import_id=import_id).count() == total
    assert elapsed < 120
