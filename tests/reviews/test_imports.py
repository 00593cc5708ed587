"""Reference imports through the services: every format, bad records, limits, failures, the stored file."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import DuplicateCandidate, Record, RecordStatus, SourceImport, SourceKind
from reviews.services import imports as import_services
from tests.reviews.import_helpers import import_now, media_root, ris, upload  # noqa: F401

pytestmark = pytest.mark.usefixtures("media_root")

Status = SourceImport.Status

# (fixture file, format detected, records, per-record errors)
FORMATS = [
    ("pubmed.nbib", "medline", 4, 0),
    ("ovid_medline.ris", "ris", 2, 0),
    ("embase_numbered.ris", "ris", 3, 0),
    ("scopus_style.ris", "ris", 1, 0),
    ("wos.ris", "ris", 2, 0),
    ("zotero.ris", "ris", 2, 0),
    ("endnote.ris", "ris", 2, 0),
    ("proquest.ris", "ris", 1, 0),
    ("bom_crlf.ris", "ris", 2, 0),
    ("references.bib", "bibtex", 3, 0),
    ("endnote.xml", "endnote_xml", 3, 0),
    ("scopus.csv", "csv", 1, 0),
    ("rayyan.csv", "csv", 2, 0),
    ("excel_semicolon.csv", "csv", 1, 0),
]


@pytest.mark.parametrize("name,file_format,count,errors", FORMATS, ids=[f[0] for f in FORMATS])
def test_each_format_imports_through_the_service(review, reviewer, name, file_format, count, errors):
    done = import_now(review, reviewer, name)
    assert done.status == Status.DONE, done.failure
    assert (done.file_format, done.records_parsed, done.records_imported) == (file_format, count, count)
    assert len(done.errors) == errors
    records = list(Record.objects.filter(source_import=done))
    assert len(records) == count
    assert all(r.review_id == review.pk and r.status == RecordStatus.TITLE_ABSTRACT for r in records)
    assert all(r.source_line and r.source_line >= 1 for r in records)
    assert all(r.normalised_title == r.normalised_title.lower() for r in records)
    assert done.file_name == name and done.file_size > 0 and done.finished_at is not None


def test_medline_fields_reach_the_record(review, reviewer):
    import_now(review, reviewer, "pubmed.nbib")
    record = Record.objects.filter(review=review).exclude(pmid="").first()
    assert record.title and record.authors and record.year and record.pmid.isdigit()


@pytest.mark.parametrize(
    "name,kept,error_lines",
    [("garbage_middle.ris", 3, [7, 16]), ("unbalanced.bib", 2, [7]), ("truncated.xml", 1, [9])],
)
def test_bad_records_are_reported_with_their_lines_and_good_ones_kept(
    review, reviewer, name, kept, error_lines
):
    done = import_now(review, reviewer, name)
    assert done.status == Status.DONE
    assert done.records_imported == kept == Record.objects.filter(source_import=done).count()
    assert [e["line"] for e in done.errors] == error_lines
    assert all(e["message"] for e in done.errors)


def test_warnings_are_kept_with_their_lines(review, reviewer):
    done = import_now(review, reviewer, "missing_er.ris")
    assert done.status == Status.DONE and done.records_imported == 3
    assert [w["line"] for w in done.warnings] == [7, 11]


def test_a_file_with_no_readable_record_fails_with_the_reason(review, reviewer):
    done = import_now(review, reviewer, "notes.txt", b"just some words\nnothing like a reference\n")
    assert done.status == Status.FAILED
    assert "No records could be read" in done.failure and "could not tell the file format" in done.failure
    assert not Record.objects.filter(review=review).exists()


def test_more_records_than_the_limit_are_refused_whole(review, reviewer, settings):
    settings.MAX_IMPORT_RECORDS = 3
    content = ris(*[{"title": f"Trial number {n} of interleukin", "year": 2000 + n} for n in range(5)])
    done = import_now(review, reviewer, "big.ris", content)
    assert done.status == Status.FAILED
    assert "more than 3 records" in done.failure and "OPENSYNTH_MAX_IMPORT_RECORDS" in done.failure
    assert "Nothing was imported" in done.failure
    assert not Record.objects.filter(review=review).exists()


def test_exactly_the_limit_imports(review, reviewer, settings):
    settings.MAX_IMPORT_RECORDS = 3
    content = ris(*[{"title": f"Trial number {n} of interleukin", "year": 2000 + n} for n in range(3)])
    assert import_now(review, reviewer, "three.ris", content).records_imported == 3


def test_a_file_larger_than_the_upload_limit_is_refused(review, reviewer, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    with pytest.raises(ValidationError) as refused:
        import_services.import_create(
            review=review,
            user=reviewer,
            file=upload("big.ris", b"x" * 2048),
            source_name="Embase",
            queue=False,
        )
    assert "files up to" in str(refused.value) and "OPENSYNTH_MAX_UPLOAD_BYTES" in str(refused.value)
    assert not SourceImport.objects.exists()


@pytest.mark.parametrize(
    "source_name,source_kind,field",
    [("", SourceKind.DATABASE, "source_name"), ("Embase", "newspaper", "source_kind")],
)
def test_source_name_and_kind_are_checked(review, reviewer, source_name, source_kind, field):
    with pytest.raises(ValidationError) as refused:
        import_services.import_create(
            review=review,
            user=reviewer,
            file=upload("zotero.ris"),
            source_name=source_name,
            source_kind=source_kind,
            queue=False,
        )
    assert field in refused.value.message_dict


def test_upload_is_stored_and_queued_after_commit(review, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        created = import_services.import_create(
            review=review,
            user=reviewer,
            file=upload("zotero.ris"),
            source_name="Citation searching",
            source_kind=SourceKind.CITATION_SEARCH,
        )
    assert len(callbacks) == 1
    created.refresh_from_db()
    assert created.status == Status.QUEUED and created.file.name.endswith(".ris")
    assert created.source_kind == SourceKind.CITATION_SEARCH and created.created_by == reviewer
    with created.file.open("rb") as stored:
        assert stored.read() == upload("zotero.ris").read()


def test_a_finished_job_is_not_run_again(review, reviewer):
    done = import_now(review, reviewer, "zotero.ris")
    assert services.import_run(import_id=done.pk) is None
    assert Record.objects.filter(review=review).count() == 2


def test_a_job_for_a_deleted_import_returns_quietly(db):
    assert services.import_run(import_id=999_999) is None


def test_a_redelivered_job_after_too_many_attempts_fails_clearly(review, reviewer):
    created = import_services.import_create(
        review=review, user=reviewer, file=upload("zotero.ris"), source_name="Embase", queue=False
    )
    # Its worker died long ago: the heartbeat is stale, so the redelivered task may take the job.
    long_ago = timezone.now() - timedelta(hours=1)
    SourceImport.objects.filter(pk=created.pk).update(
        status=Status.RUNNING, attempts=3, started_at=long_ago, heartbeat_at=long_ago
    )
    done = services.import_run(import_id=created.pk)
    assert done.status == Status.FAILED and "stopped 3 times" in done.failure
    assert not Record.objects.exists()


def test_a_crash_while_inserting_leaves_no_record_and_says_so(review, reviewer, monkeypatch):
    from reviews.services import import_jobs as imports

    created = import_services.import_create(
        review=review, user=reviewer, file=upload("pubmed.nbib"), source_name="PubMed", queue=False
    )
    calls = []
    real_insert_batch = imports._insert_batch

    def crash_on_second_batch(source_import, batch, *args):
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_insert_batch(source_import, batch, *args)

    # The first batch is inserted, then the second fails: the whole import must roll back.
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    monkeypatch.setattr(imports, "_insert_batch", crash_on_second_batch)
    done = services.import_run(import_id=created.pk)
    assert done.status == Status.FAILED
    assert "disk full" in done.failure and "Nothing was imported" in done.failure
    assert calls == [2, 2]
    assert not Record.objects.filter(review=review).exists()
    assert done.records_imported == 0


def test_long_values_are_cut_with_a_warning_and_nul_characters_dropped(review, reviewer):
    content = (
        "TY  - JOUR\nTI  - A title with a NUL\x00 inside\nSP  - " + "1" * 80 + "\nPY  - 2001\nER  - \n"
    ).encode()
    done = import_now(review, reviewer, "odd.ris", content)
    assert done.status == Status.DONE, done.failure
    record = Record.objects.get(source_import=done)
    assert record.title == "A title with a NUL inside" and len(record.pages) == 50
    assert any("pages longer than 50" in w["message"] for w in done.warnings)


def test_import_counts_duplicates_it_found(review, reviewer):
    first = ris(
        {
            "title": "Interleukin-2 after remission in AML",
            "authors": ["Baer, M."],
            "year": 2008,
            "doi": "10.1/x",
        },
    )
    second = ris(
        {
            "title": "Interleukin 2 after remission in AML",
            "authors": ["Baer, M."],
            "year": 2008,
            "doi": "10.1/X",
        },
        {"title": "Interleukin 2 after remission in AML", "authors": ["Baer, M."], "year": 2008},
    )
    assert import_now(review, reviewer, "a.ris", first).duplicates_found == 0
    done = import_now(review, reviewer, "b.ris", second)
    assert done.duplicates_found == 3  # two across imports, one within the second file
    assert DuplicateCandidate.objects.filter(review=review).count() == 3


def test_the_sweep_queues_lost_jobs_again(review, reviewer, settings):
    from datetime import timedelta

    from django.utils import timezone

    def create(name):
        return import_services.import_create(
            review=review,
            user=reviewer,
            file=upload(name, ris({"title": name})),
            source_name="Embase",
            queue=False,
        )

    lost, fresh, hung, done = create("a.ris"), create("b.ris"), create("c.ris"), create("d.ris")
    long_ago = timezone.now() - timedelta(hours=3)
    SourceImport.objects.filter(pk=lost.pk).update(created_at=long_ago)
    SourceImport.objects.filter(pk=hung.pk).update(status=Status.RUNNING, started_at=long_ago)
    SourceImport.objects.filter(pk=done.pk).update(status=Status.DONE, created_at=long_ago)
    assert sorted(services.imports_restart_stalled()) == sorted([lost.pk, hung.pk])
    # The job that stopped goes back to the queue, shown as restarting; it starts clean.
    hung.refresh_from_db()
    assert (hung.status, hung.progress_done) == (Status.QUEUED, 0)
    assert (
        settings.CELERY_BEAT_SCHEDULE["reviews-requeue-stalled-imports"]["task"]
        == "reviews.requeue_stalled_imports"
    )
    # The job of a lost import still runs once it is delivered.
    assert services.import_run(import_id=lost.pk).status == Status.DONE
    assert SourceImport.objects.get(pk=fresh.pk).status == Status.QUEUED


@pytest.mark.services
def test_progress_is_visible_to_others_while_the_records_are_not(transactional_db, owner, monkeypatch):
    """PostgreSQL: each batch's progress is committed at once; the records only when the import ends."""
    from django.db import connections

    from reviews.services import import_jobs as imports
    from tests.conftest import require_service
    from tests.workers import postgres_in_use

    require_service(postgres_in_use(), "PostgreSQL (DATABASE_URL=postgres://…)")
    review = services.review_create(owner=owner, title="Progress")
    created = import_services.import_create(
        review=review,
        user=owner,
        file=upload("many.ris", ris(*[{"title": f"Trial {n} of interleukin-2 in AML"} for n in range(5)])),
        source_name="Embase",
        queue=False,
    )
    seen = []
    real_insert_batch = imports._insert_batch

    def insert_and_look(source_import, batch, *args):
        ids = real_insert_batch(source_import, batch, *args)
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT progress_done FROM reviews_sourceimport WHERE id = %s", [created.pk])
                progress = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT count(*) FROM reviews_record WHERE source_import_id = %s", [created.pk]
                )
                seen.append((progress, cursor.fetchone()[0]))
        finally:
            other.close()
        return ids

    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    monkeypatch.setattr(imports, "_insert_batch", insert_and_look)
    assert services.import_run(import_id=created.pk).status == Status.DONE
    # Seen from outside after batches 1 and 2: the progress of the batch before, and no record yet.
    assert seen == [(0, 0), (2, 0), (4, 0)]
    assert Record.objects.filter(source_import=created).count() == 5


def test_a_javascript_url_from_a_file_is_shown_as_text_never_as_a_link(client, review, reviewer):
    """Issue 12, finding 9: a RIS UR field reached the screening card's "Full text link" href."""
    content = b"TY  - JOUR\nTI  - Interleukin-2 in AML\nUR  - javascript:alert(document.cookie)\nER  - \n"
    assert import_now(review, reviewer, "evil.ris", content).status == Status.DONE
    client.force_login(reviewer)
    page = client.get(reverse("reviews:screening_stage", args=[review.pk, "title-abstract"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "javascript:alert(document.cookie)" in html  # shown, as text
    assert 'href="javascript:' not in html.replace(" ", "").lower()
    assert "Full text link" not in html


def test_an_http_or_doi_url_from_a_file_becomes_the_full_text_link(client, review, reviewer):
    content = (
        b"TY  - JOUR\nTI  - Interleukin-2 in AML\nUR  - https://example.org/full.pdf\nER  - \n\n"
        b"TY  - JOUR\nTI  - Maintenance therapy in AML\nUR  - doi:10.1000/aml.7\nER  - \n"
    )
    assert import_now(review, reviewer, "links.ris", content).status == Status.DONE
    assert [r.link for r in Record.objects.filter(review=review).order_by("id")] == [
        "https://example.org/full.pdf",
        "https://doi.org/10.1000/aml.7",
    ]
    client.force_login(reviewer)
    html = client.get(reverse("reviews:screening_stage", args=[review.pk, "title-abstract"])).content.decode()
    assert 'href="https://example.org/full.pdf"' in html


def _endnote_xml(*records: dict) -> bytes:
    def record(r):
        authors = "".join(f"<author>{a}</author>" for a in r.get("authors", []))
        keywords = "".join(f"<keyword>{k}</keyword>" for k in r.get("keywords", []))
        return (
            f"<record><contributors><authors>{authors}</authors></contributors>"
            f"<titles><title>{r['title']}</title><secondary-title>{r.get('journal', '')}</secondary-title>"
            f"</titles><abstract>{r.get('abstract', '')}</abstract><keywords>{keywords}</keywords>"
            f"<urls><related-urls><url>{r.get('url', '')}</url></related-urls></urls>"
            "<dates><year>2019</year></dates></record>\n"
        )

    body = "".join(record(r) for r in records)
    return f'<?xml version="1.0" encoding="UTF-8" ?>\n<xml><records>\n{body}</records></xml>\n'.encode()


def test_oversized_fields_are_cut_and_the_report_names_the_record(client, review, reviewer):
    """Issue 12, finding 7: a 60 MB title from EndNote XML was stored whole and weighed down every list."""
    content = _endnote_xml(
        {"title": "Interleukin-2 in AML", "authors": ["Baer, M."]},
        {
            "title": "T" * 3_000_000,
            "abstract": "A" * 300_000,
            "journal": "J" * 2_000,
            "authors": [f"Author{n}, A." for n in range(3_000)] + ["N" * 5_000 + ", B."],
            "keywords": [f"keyword {n}" for n in range(2_000)],
            "url": "https://example.org/" + "u" * 10_000,
        },
    )
    done = import_now(review, reviewer, "big.xml", content)
    assert done.status == Status.DONE, done.failure
    small, big = Record.objects.filter(source_import=done).order_by("id")
    assert small.title == "Interleukin-2 in AML"
    assert len(big.title) == 2_000 and len(big.abstract) == 100_000 and len(big.journal) == 500
    assert len(big.authors) == 1_000 and max(len(a) for a in big.authors) <= 500
    assert len(big.keywords) == 500 and len(big.url) <= 2_000
    cut = [w for w in done.warnings if w["line"] == 4]
    messages = " | ".join(w["message"] for w in cut)
    for part in ("title longer than 2,000", "abstract longer than 100,000", "more than 1,000 authors"):
        assert part in messages, messages
    assert all(w["message"].startswith("record at line 4") for w in cut)
    assert sum(len(w["message"]) for w in done.warnings) < 5_000  # the report is bounded too
    client.force_login(reviewer)
    page = client.get(reverse("reviews:import_detail", args=[review.pk, done.pk])).content.decode()
    assert f"{len(done.warnings)} warnings" in page and "record at line 4: title longer than 2,000" in page
    assert len(page) < 50_000


def test_uploads_stream_to_a_temp_folder_under_the_data_folder(settings):
    """A web process killed mid-upload left a 39 MB file in /tmp; ours go where the sweep looks."""
    temp_dir = Path(settings.FILE_UPLOAD_TEMP_DIR)
    assert temp_dir.is_dir() and temp_dir.is_relative_to(settings.DATA_DIR)


def test_the_file_sweep_deletes_old_failed_uploads_unheld_files_and_stale_temp_files(
    review, reviewer, settings, tmp_path
):
    import os
    import time

    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "upload-tmp"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    settings.IMPORT_FAILED_FILE_DAYS = 14
    settings.UPLOAD_TEMP_MAX_HOURS = 6
    done = import_now(review, reviewer, "zotero.ris")
    old_failure = import_now(review, reviewer, "notes.txt", b"no references here\n")
    new_failure = import_now(review, reviewer, "notes2.txt", b"still no references\n")
    assert (old_failure.status, new_failure.status) == (Status.FAILED, Status.FAILED)
    SourceImport.objects.filter(pk=old_failure.pk).update(finished_at=timezone.now() - timedelta(days=15))
    old_failure_path = Path(old_failure.file.path)
    # A file whose import is gone (its review was deleted), and temp files of killed uploads.
    unheld = Path(settings.MEDIA_ROOT) / "imports" / "2020" / "01" / "orphan.ris"
    unheld.parent.mkdir(parents=True)
    unheld.write_bytes(b"TY  - JOUR\n")
    stale_temp = settings.FILE_UPLOAD_TEMP_DIR / "abc.upload.ris"
    fresh_temp = settings.FILE_UPLOAD_TEMP_DIR / "def.upload.ris"
    stale_temp.write_bytes(b"x" * 100)
    fresh_temp.write_bytes(b"x" * 100)
    hours_ago = time.time() - 7 * 3600
    os.utime(stale_temp, (hours_ago, hours_ago))
    os.utime(unheld, (hours_ago, hours_ago))

    assert services.import_files_sweep() == 3
    assert not old_failure_path.exists() and not unheld.exists() and not stale_temp.exists()
    assert fresh_temp.exists()
    old_failure.refresh_from_db()
    assert not old_failure.file and old_failure.failure  # the row and its reason stay
    for kept in (done, new_failure):
        kept.refresh_from_db()
        assert Path(kept.file.path).exists()
    assert settings.CELERY_BEAT_SCHEDULE["reviews-sweep-import-files"]["task"] == "reviews.sweep_import_files"


def test_a_stalled_import_is_restarted_and_shown_as_restarting_then_fails_after_its_attempts(
    client, review, reviewer, settings
):
    """Issue 12, finding 8: the heartbeat, not the broker's hour-long visibility timeout, tells a dead worker."""
    settings.IMPORT_STALL_SECONDS = 60
    settings.IMPORT_MAX_ATTEMPTS = 3

    def create(name):
        return import_services.import_create(
            review=review,
            user=reviewer,
            file=upload(name, ris({"title": name})),
            source_name="Embase",
            queue=False,
        )

    alive, stalled, exhausted = create("alive.ris"), create("stalled.ris"), create("exhausted.ris")
    now = timezone.now()
    stale = now - timedelta(seconds=90)
    # Started an hour ago, but its worker still stamps its heartbeat: left alone, and no second run.
    SourceImport.objects.filter(pk=alive.pk).update(
        status=Status.RUNNING, attempts=1, started_at=now - timedelta(hours=1), heartbeat_at=now
    )
    SourceImport.objects.filter(pk=stalled.pk).update(
        status=Status.RUNNING, attempts=1, started_at=stale, heartbeat_at=stale, progress_done=2000
    )
    SourceImport.objects.filter(pk=exhausted.pk).update(
        status=Status.RUNNING, attempts=3, started_at=stale, heartbeat_at=stale
    )
    assert services.import_run(import_id=alive.pk) is None
    assert SourceImport.objects.get(pk=alive.pk).attempts == 1

    assert services.imports_restart_stalled() == [stalled.pk]
    stalled.refresh_from_db()
    assert (stalled.status, stalled.restarting, stalled.progress_done) == (Status.QUEUED, True, 0)
    exhausted.refresh_from_db()
    assert exhausted.status == Status.FAILED and "worker stopped 3 times" in exhausted.failure
    assert SourceImport.objects.get(pk=alive.pk).status == Status.RUNNING

    client.force_login(reviewer)
    page = client.get(reverse("reviews:import_detail", args=[review.pk, stalled.pk])).content.decode()
    assert "Restarting" in page
    # The restarted job runs from the beginning and completes.
    assert services.import_run(import_id=stalled.pk).status == Status.DONE
    assert Record.objects.filter(source_import=stalled).count() == 1


def test_the_parsers_field_limits_fit_the_record_columns():
    """The parsers are the one place values are cut; every limit must fit its database column."""
    from reviews.importing.records import TEXT_LIMITS

    columns = {"raw_type": "reference_type"}
    for name, limit in TEXT_LIMITS.items():
        max_length = Record._meta.get_field(columns.get(name, name)).max_length
        assert max_length is None or limit <= max_length, name
