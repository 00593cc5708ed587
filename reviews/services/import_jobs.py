"""The job a worker runs to import a reference file into a review, and its outcome.

A job reads the stored file, parses it (reviews.importing), finds duplicate candidates within the
file and against the review's records, then inserts everything in ONE transaction: a job that
crashes or is killed leaves no record behind, and its status tells the user what happened. While
that transaction is open, progress is written through a second, autocommitting connection
(PostgreSQL) so the page's progress bar moves batch by batch, and a thread stamps the job's
heartbeat: when the stamp goes stale the worker is gone, and the periodic sweep restarts the job
(which starts clean, since nothing of the stopped run was committed).

This module queues no task (reviews/tasks.py calls it), so imports run one way.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone

from reviews.importing import (
    ParseResult,
    find_duplicates,
    find_duplicates_between,
    normalise_title,
    parse_file,
)
from reviews.models import DuplicateCandidate, Record, RecordStatus, Review, SourceImport

logger = logging.getLogger(__name__)

BATCH_SIZE = 2_000
# A queued import older than this whose task never started is queued again (a publish was lost).
QUEUED_SECONDS = 300
# First key of the PostgreSQL advisory lock taken per review while an import inserts its records.
_IMPORT_LOCK_CLASS = 7301


@dataclass
class ImportPlan:
    """What an import would do: the parsed file and the duplicate pairs (by record index) it brings."""

    result: ParseResult
    # (existing record id, index of new record, reason, score)
    across: list[tuple[int, int, str, float]] = field(default_factory=list)
    # (index, index, reason, score), first index lower
    within: list[tuple[int, int, str, float]] = field(default_factory=list)
    failure: str = ""

    @property
    def duplicates_found(self) -> int:
        return len(self.across) + len(self.within)


def max_records_message(limit: int) -> str:
    return (
        f"The file holds more than {limit:,} records, the most one import may hold "
        "(setting OPENSYNTH_MAX_IMPORT_RECORDS). Nothing was imported: split the file and import the parts."
    )


def import_plan(*, review: Review | None, path_or_bytes, file_name: str | None = None) -> ImportPlan:
    """Parse a file and, given a review, find the duplicate candidates an import would create; writes nothing."""
    plan = _parse(path_or_bytes, file_name)
    if review is not None and not plan.failure:
        _find_candidates(plan, review_id=review.pk)
    return plan


def _parse(path_or_bytes, file_name: str | None) -> ImportPlan:
    limit = settings.MAX_IMPORT_RECORDS
    result = parse_file(path_or_bytes, filename=file_name, max_records=limit)
    plan = ImportPlan(result=result)
    if result.limit_exceeded:
        plan.failure = max_records_message(limit)
    elif not result.records:
        reasons = "; ".join(str(error) for error in result.errors[:3]) or "it holds no references"
        plan.failure = f"No records could be read from the file: {reasons}."
    return plan


def _find_candidates(plan: ImportPlan, *, review_id: int) -> None:
    """Duplicate pairs within the new records, and between them and the review's records still in play."""
    records = plan.result.records
    plan.within = [(*sorted((c.record_a, c.record_b)), c.reason, c.score) for c in find_duplicates(records)]
    # A record already removed as a duplicate is represented by the record it was merged into.
    # Only the first author matters for matching; the database picks it out of the list.
    existing = [
        {"id": pk, "title": title, "doi": doi, "pmid": pmid, "year": year, "authors": first_author}
        for pk, title, doi, pmid, year, first_author in Record.objects.filter(review_id=review_id)
        .exclude(status=RecordStatus.DUPLICATE)
        .values_list("id", "title", "doi", "pmid", "year", KT("authors__0"))
    ]
    plan.across = (
        [(c.record_a, c.record_b, c.reason, c.score) for c in find_duplicates_between(records, existing)]
        if existing
        else []
    )


def import_run(*, import_id: int) -> SourceImport | None:
    """Run one import job (in a worker or the command); returns the finished import, None if gone or done."""
    if not _claim(import_id):
        return None
    source_import = SourceImport.objects.filter(pk=import_id).first()
    if source_import is None:
        return None
    if source_import.attempts > settings.IMPORT_MAX_ATTEMPTS:
        return _fail(source_import, _attempts_message())
    try:
        with _Heartbeat(import_id):
            return _run(source_import)
    except Exception as error:  # any crash: the insert transaction rolled back, tell the user
        logger.exception("Import %s failed", import_id)
        source_import = SourceImport.objects.filter(pk=import_id).first()
        if source_import is None:  # the review was deleted meanwhile
            return None
        return _fail(
            source_import,
            f"The import failed unexpectedly ({type(error).__name__}: {error}). Nothing was imported.",
        )


def _attempts_message() -> str:
    attempts = settings.IMPORT_MAX_ATTEMPTS
    return (
        f"The import's worker stopped {attempts} time{'s' if attempts > 1 else ''} before the import "
        "finished (a restart, a crash, or a file too large for the worker's memory). Nothing was "
        "imported; import the file again, or split it into smaller files."
    )


def _run(source_import: SourceImport) -> SourceImport | None:
    plan = _parse(_stored_file(source_import), source_import.file_name)
    source_import = _record_parse(source_import, plan)
    if plan.failure:
        return _fail(source_import, plan.failure)
    return _insert(source_import, plan)


def _stored_file(source_import: SourceImport):
    """The stored upload as a path (the parser then frees the bytes once decoded), or its bytes."""
    try:
        return Path(source_import.file.path)
    except NotImplementedError:  # a storage without local files
        with source_import.file.open("rb") as stored:
            return stored.read()


def _stalled_before():
    return timezone.now() - timedelta(seconds=settings.IMPORT_STALL_SECONDS)


def _claim(import_id: int) -> bool:
    """Take the job: queued, or running with a stale heartbeat (its worker died); False otherwise.

    A running job with a fresh heartbeat has a live worker: a second task for it (a redelivery,
    a sweep that raced the start) returns without touching it.
    """
    now = timezone.now()
    claimed = (
        SourceImport.objects.alias(_last=Coalesce("heartbeat_at", "started_at", "created_at"))
        .filter(pk=import_id)
        .filter(
            Q(status=SourceImport.Status.QUEUED)
            | (Q(status=SourceImport.Status.RUNNING) & Q(_last__lt=_stalled_before()))
        )
        .update(
            status=SourceImport.Status.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            heartbeat_at=now,
        )
    )
    return claimed == 1


def imports_restart_stalled() -> list[int]:
    """Queue again the imports whose worker stopped or whose task was lost; the ids to give a task.

    Running with a heartbeat older than IMPORT_STALL_SECONDS: the worker is gone (killed, restarted,
    out of memory). Nothing of its run was committed, so the job goes back to "queued" and starts
    clean; the page shows it as restarting. One that used up its attempts fails with the reason.
    Queued for longer than QUEUED_SECONDS: its task was lost (a failed publish); it gets another.
    A spare task for a job that is in fact alive is harmless: the claim refuses it.
    """
    now = timezone.now()
    Status = SourceImport.Status
    last_sign_of_life = Coalesce("heartbeat_at", "started_at", "created_at")
    stalled = list(
        SourceImport.objects.alias(_last=last_sign_of_life).filter(
            status=Status.RUNNING, _last__lt=_stalled_before()
        )
    )
    restarted = []
    for source_import in stalled:
        if source_import.attempts >= settings.IMPORT_MAX_ATTEMPTS:
            # Conditional like the claim: a worker that came back to life meanwhile keeps its job.
            failed = (
                SourceImport.objects.alias(_last=last_sign_of_life)
                .filter(pk=source_import.pk, status=Status.RUNNING, _last__lt=_stalled_before())
                .update(
                    status=Status.FAILED,
                    failure=_attempts_message(),
                    records_imported=0,
                    duplicates_found=0,
                    progress_done=0,
                    finished_at=now,
                )
            )
            if failed:
                logger.warning("Import %s failed after %s attempts", source_import.pk, source_import.attempts)
            continue
        if (
            SourceImport.objects.alias(_last=last_sign_of_life)
            .filter(pk=source_import.pk, status=Status.RUNNING, _last__lt=_stalled_before())
            .update(status=Status.QUEUED, progress_done=0, heartbeat_at=now)
        ):
            restarted.append(source_import.pk)
    lost = list(
        SourceImport.objects.alias(_last=last_sign_of_life)
        .filter(status=Status.QUEUED, _last__lt=now - timedelta(seconds=QUEUED_SECONDS))
        .values_list("pk", flat=True)
    )
    ids = restarted + [pk for pk in lost if pk not in restarted]
    if ids:
        logger.warning("Queued %d stalled import(s) again: %s", len(ids), ids)
    return ids


def import_files_sweep() -> int:
    """Delete stored uploads no one needs any more, and upload temp files; returns how many.

    Failed imports keep their file IMPORT_FAILED_FILE_DAYS (to look into why they failed); a file
    no import holds any more (its review was deleted) goes; so does a temporary upload file older
    than UPLOAD_TEMP_MAX_HOURS, which a web process killed during the upload left behind. Files of
    finished imports stay: they are the record of the search the review reports.
    """
    now = timezone.now()
    deleted = 0
    expired = SourceImport.objects.filter(
        status=SourceImport.Status.FAILED,
        finished_at__lt=now - timedelta(days=settings.IMPORT_FAILED_FILE_DAYS),
    ).exclude(file="")
    for source_import in expired:
        source_import.file.delete(save=False)
        SourceImport.objects.filter(pk=source_import.pk).update(file="")
        deleted += 1
    deleted += _delete_unheld_files(now - timedelta(hours=1))
    temp_dir = Path(settings.FILE_UPLOAD_TEMP_DIR)
    cutoff = time.time() - settings.UPLOAD_TEMP_MAX_HOURS * 3600
    for path in temp_dir.iterdir() if temp_dir.is_dir() else ():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except FileNotFoundError:  # finished by its request meanwhile
            pass
    if deleted:
        logger.info("Deleted %d stored or temporary upload file(s)", deleted)
    return deleted


def _delete_unheld_files(older_than) -> int:
    """Delete the files under the imports' folder that no import holds (older than a running upload)."""
    storage = SourceImport._meta.get_field("file").storage
    held = set(SourceImport.objects.exclude(file="").values_list("file", flat=True))
    deleted = 0
    pending = ["imports"]
    while pending:
        folder = pending.pop()
        try:
            folders, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        pending.extend(f"{folder}/{name}" for name in folders)
        for name in files:
            path = f"{folder}/{name}"
            if path not in held and storage.get_modified_time(path) < older_than:
                storage.delete(path)
                deleted += 1
    return deleted


class _Heartbeat:
    """Stamps the import's heartbeat from a thread while its job runs, through its own connection.

    A thread rather than stamps at steps of the job: parsing a large file and finding its
    duplicates run for minutes without a step to stamp at. The thread dies with its process, so a
    killed worker's stamp goes stale. On SQLite (development) a stamp waits while the job's own
    insert transaction holds the one write lock, and is retried at the next beat if it times out;
    without the thread there, every import longer than IMPORT_STALL_SECONDS would be restarted.
    """

    def __init__(self, import_id: int):
        self.import_id = import_id
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _Heartbeat:
        self.thread = threading.Thread(
            target=self._beat, name=f"import-{self.import_id}-heartbeat", daemon=True
        )
        self.thread.start()
        return self

    def _beat(self) -> None:
        connection = connections.create_connection("default")
        table = SourceImport._meta.db_table
        try:
            while not self.stop.wait(settings.IMPORT_HEARTBEAT_SECONDS):
                try:
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f'UPDATE "{table}" SET "heartbeat_at" = %s WHERE "id" = %s AND "status" = %s',
                            [timezone.now(), self.import_id, SourceImport.Status.RUNNING],
                        )
                except Exception:  # a missed stamp is retried; never let it stop the import
                    logger.warning(
                        "Could not stamp the heartbeat of import %s", self.import_id, exc_info=True
                    )
        finally:
            connection.close()

    def __exit__(self, *exc_info) -> None:
        if self.thread is not None:
            self.stop.set()
            self.thread.join(timeout=30)


def _record_parse(source_import: SourceImport, plan: ImportPlan) -> SourceImport:
    result = plan.result
    source_import.file_format = result.format
    source_import.records_parsed = len(result.records)
    source_import.progress_total = 0 if plan.failure else len(result.records)
    source_import.progress_done = 0
    source_import.errors = [{"line": e.line, "message": e.message} for e in result.errors]
    source_import.warnings = [{"line": w.line, "message": w.message} for w in result.warnings]
    source_import.save(
        update_fields=[
            "file_format",
            "records_parsed",
            "progress_total",
            "progress_done",
            "errors",
            "warnings",
        ]
    )
    return source_import


def _fail(source_import: SourceImport, failure: str) -> SourceImport:
    source_import.status = SourceImport.Status.FAILED
    source_import.failure = failure
    source_import.records_imported = 0
    source_import.duplicates_found = 0
    source_import.progress_done = 0
    source_import.finished_at = timezone.now()
    source_import.save(
        update_fields=[
            "status",
            "failure",
            "records_imported",
            "duplicates_found",
            "progress_done",
            "finished_at",
        ]
    )
    return source_import


def _clean(value: str) -> str:
    return value.replace("\x00", "")


# Columns of a new record, in the order _record_row gives their values (after the id).
_COLUMNS = (
    "id",
    "review_id",
    "source_import_id",
    "source_line",
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "keywords",
    "url",
    "reference_type",
    "normalised_title",
    "status",
    "created_at",
)


def _record_row(source_import: SourceImport, parsed, warnings: list[dict], now) -> tuple:
    """One new record's values in _COLUMNS order (id left out), without NUL characters."""
    # Every value is within its column already: the parsers bound them (reviews.importing.records).
    journal, volume, issue, pages = parsed.journal, parsed.volume, parsed.issue, parsed.pages
    doi, pmid, reference_type = parsed.doi, parsed.pmid, parsed.raw_type
    title, abstract = parsed.title, parsed.abstract
    authors, keywords, url = parsed.authors, parsed.keywords, parsed.url
    # PostgreSQL text cannot hold NUL characters, which odd exports sometimes carry.
    if "\x00" in f"{title}{abstract}{authors}{keywords}{url}{journal}":
        title, abstract, url, journal = (_clean(v) for v in (title, abstract, url, journal))
        authors, keywords = [_clean(a) for a in authors], [_clean(k) for k in keywords]
    return (
        source_import.review_id,
        source_import.pk,
        parsed.source_line or None,
        title,
        abstract,
        authors,
        parsed.year,
        journal,
        volume,
        issue,
        pages,
        doi,
        pmid,
        keywords,
        url,
        reference_type,
        normalise_title(title),
        RecordStatus.TITLE_ABSTRACT,
        now,
    )


def _insert_batch_copy(source_import: SourceImport, batch, warnings: list[dict], now) -> list[int]:
    """Insert a batch with PostgreSQL's COPY (several times faster than INSERT for 100,000 records)."""
    connection = connections["default"]
    table = Record._meta.db_table
    json_columns = (_COLUMNS.index("authors") - 1, _COLUMNS.index("keywords") - 1)
    with connection.cursor() as cursor:
        # COPY returns no ids, so the batch takes its ids from the table's sequence first.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(batch)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(f'"{name}"' for name in _COLUMNS)
        with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for record_id, parsed in zip(ids, batch, strict=True):
                row = list(_record_row(source_import, parsed, warnings, now))
                for position in json_columns:
                    row[position] = json.dumps(row[position])
                copy.write_row((record_id, *row))
    return ids


def _insert_batch(source_import: SourceImport, batch, warnings: list[dict], now) -> list[int]:
    """Insert a batch of parsed records; their new ids, in order."""
    if connections["default"].vendor == "postgresql":
        return _insert_batch_copy(source_import, batch, warnings, now)
    created = Record.objects.bulk_create(
        [
            Record(**dict(zip(_COLUMNS[1:], _record_row(source_import, parsed, warnings, now), strict=True)))
            for parsed in batch
        ]
    )
    return [record.pk for record in created]


def _insert(source_import: SourceImport, plan: ImportPlan) -> SourceImport | None:
    """Insert the records and their duplicate candidates in one transaction, reporting progress per batch."""
    total = len(plan.result.records)
    warnings = list(source_import.warnings)
    with _ProgressReporter(source_import.pk) as progress, transaction.atomic():
        # Imports into one review take turns: each one's duplicates are sought among the records of
        # the imports before it, and a second run of the same job (a redelivered task) waits here,
        # then finds the job finished.
        _lock_review_imports(source_import.review_id)
        locked = SourceImport.objects.get(pk=source_import.pk)
        if locked.status != SourceImport.Status.RUNNING or locked.records.exists():
            return None
        _find_candidates(plan, review_id=source_import.review_id)
        ids: list[int] = []
        now = timezone.now()
        records = plan.result.records
        for start in range(0, total, BATCH_SIZE):
            ids.extend(_insert_batch(source_import, records[start : start + BATCH_SIZE], warnings, now))
            progress.report(len(ids))
            if settings.IMPORT_TEST_BATCH_DELAY_MS:
                time.sleep(settings.IMPORT_TEST_BATCH_DELAY_MS / 1000)
        pairs = [(min(a, ids[j]), max(a, ids[j]), r, sc) for a, j, r, sc in plan.across]
        pairs += [(ids[i], ids[j], r, sc) for i, j, r, sc in plan.within]
        _insert_candidates(source_import.review_id, pairs, now)

        locked.status = SourceImport.Status.DONE
        locked.records_imported = len(ids)
        locked.duplicates_found = len(pairs)
        locked.progress_done = len(ids)
        locked.warnings = warnings
        locked.finished_at = timezone.now()
        locked.save(
            update_fields=[
                "status",
                "records_imported",
                "duplicates_found",
                "progress_done",
                "warnings",
                "finished_at",
            ]
        )
    return locked


def _insert_candidates(review_id: int, pairs: list[tuple[int, int, str, float]], now) -> None:
    """Insert duplicate candidate pairs (record_a < record_b), with COPY on PostgreSQL."""
    if connections["default"].vendor != "postgresql":
        DuplicateCandidate.objects.bulk_create(
            [
                DuplicateCandidate(
                    review_id=review_id, record_a_id=a, record_b_id=b, reason=reason, score=score
                )
                for a, b, reason, score in pairs
            ],
            batch_size=BATCH_SIZE,
        )
        return
    table = DuplicateCandidate._meta.db_table
    columns = '"review_id", "record_a_id", "record_b_id", "reason", "score", "status", "created_at"'
    pending = DuplicateCandidate.Status.PENDING
    with (
        connections["default"].cursor() as cursor,
        cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy,
    ):
        for a, b, reason, score in pairs:
            copy.write_row((review_id, a, b, reason, score, pending, now))


def _lock_review_imports(review_id: int) -> None:
    """Hold, until the transaction ends, the lock that serialises the imports of one review."""
    connection = connections["default"]
    if connection.vendor == "postgresql":
        # An advisory lock, not a row lock: the progress connection must still be able to update rows.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_IMPORT_LOCK_CLASS, review_id])
    else:
        list(Review.objects.select_for_update().filter(pk=review_id).values_list("pk"))


class _ProgressReporter:
    """Writes an import's progress through its own autocommitting connection, visible while the insert runs.

    SQLite allows one writer at a time, so there the progress is not written until the insert commits.
    """

    def __init__(self, import_id: int):
        self.import_id = import_id
        self.connection = None

    def __enter__(self) -> _ProgressReporter:
        if connections["default"].vendor == "postgresql":
            self.connection = connections.create_connection("default")
        return self

    def report(self, done: int) -> None:
        if self.connection is None:
            return
        table = SourceImport._meta.db_table
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f'UPDATE "{table}" SET "progress_done" = %s WHERE "id" = %s', [done, self.import_id]
                )
        except Exception:  # progress is a courtesy; never let it stop the import
            logger.warning("Could not report the progress of import %s", self.import_id, exc_info=True)

    def __exit__(self, *exc_info) -> None:
        if self.connection is not None:
            self.connection.close()
