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
