"""Importing reference files into a review: the upload, the job a worker runs, and its outcome.

A job reads the stored file, parses it (reviews.importing), finds duplicate candidates within the
file and against the review's records, then inserts everything in ONE transaction: a job that
crashes or is killed leaves no record behind, and its status tells the user what happened. While
that transaction is open, progress is written through a second, autocommitting connection
(PostgreSQL) so the page's progress bar moves batch by batch.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connections, transaction
from django.db.models import F, Q
from django.db.models.fields.json import KT
from django.utils import timezone

from core.queueing import enqueue_on_commit
from reviews.importing import (
    ParseResult,
    find_duplicates,
    find_duplicates_between,
    normalise_title,
    parse_file,
)
from reviews.models import DuplicateCandidate, Record, RecordStatus, Review, SourceImport, SourceKind

logger = logging.getLogger(__name__)

BATCH_SIZE = 2_000
# A file that kills its worker this many times (out of memory, say) is marked failed instead of looping.
MAX_ATTEMPTS = 3
# First key of the PostgreSQL advisory lock taken per review while an import inserts its records.
_IMPORT_LOCK_CLASS = 7301
# Field lengths of Record that a parsed value may exceed; longer values are cut, with a warning.
_BOUNDED_FIELDS = {
    name: Record._meta.get_field(name).max_length
    for name in ("journal", "volume", "issue", "pages", "doi", "pmid", "reference_type")
}


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


def _size_message(size: int) -> str:
    limit_mb = settings.MAX_UPLOAD_BYTES / 1024 / 1024
    return (
        f"The file is {size / 1024 / 1024:.1f} MB; files up to {limit_mb:.0f} MB can be imported "
        "(setting OPENSYNTH_MAX_UPLOAD_BYTES). Split the export into smaller files."
    )


def import_create(
    *,
    review: Review,
    user,
    file,
    source_name: str,
    source_kind: str = SourceKind.DATABASE,
    file_name: str | None = None,
    queue: bool = True,
) -> SourceImport:
    """Store an uploaded reference file as a queued import; its job is queued when the transaction commits."""
    file_name = Path(file_name or getattr(file, "name", "") or "references").name[:255]
    size = file.size if getattr(file, "size", None) is not None else None
    errors: dict[str, list[str]] = {}
    if size is not None and size > settings.MAX_UPLOAD_BYTES:
        errors["file"] = [_size_message(size)]
    elif size == 0:
        errors["file"] = ["The file is empty."]
    if source_kind not in SourceKind.values:
        errors["source_kind"] = [f"Unknown source kind {source_kind!r}."]
    source_name = (source_name or "").strip()
    if not source_name:
        errors["source_name"] = ["Name the source (e.g. MEDLINE via Ovid, Embase, citation searching)."]
    elif len(source_name) > 200:
        errors["source_name"] = ["The source name can be at most 200 characters."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        source_import = SourceImport(
            review=review,
            source_name=source_name,
            source_kind=source_kind,
            file_name=file_name,
            file_size=size or 0,
            created_by=user,
        )
        source_import.file.save(file_name, file if isinstance(file, File) else File(file), save=False)
        source_import.save()
        if queue:
            from reviews.tasks import run_import

            enqueue_on_commit(run_import, source_import.pk)
    return source_import


def imports_requeue_stalled(*, queued_seconds: int = 300) -> int:
    """Queue again the jobs whose task was lost (a failed publish, a dead worker); returns how many.

    A job queued for longer than `queued_seconds`, or running for longer than the broker lets a
    worker hold a task, gets a new task. A second task for a job that is in fact alive is harmless:
    the job's claim and the per-review import lock make it find the job finished and return.
    """
    from reviews.tasks import run_import

    now = timezone.now()
    running_seconds = settings.CELERY_VISIBILITY_TIMEOUT + 60
    stalled = SourceImport.objects.filter(
        Q(status=SourceImport.Status.QUEUED, created_at__lt=now - timedelta(seconds=queued_seconds))
        | Q(status=SourceImport.Status.RUNNING, started_at__lt=now - timedelta(seconds=running_seconds))
    ).values_list("pk", flat=True)
    with transaction.atomic():
        ids = list(stalled)
        for import_id in ids:
            enqueue_on_commit(run_import, import_id)
    if ids:
        logger.warning("Queued %d stalled import(s) again: %s", len(ids), ids)
    return len(ids)


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
    if source_import.attempts > MAX_ATTEMPTS:
        return _fail(
            source_import,
            f"The import stopped {MAX_ATTEMPTS} times before finishing (the worker may have run out of "
            "memory). Nothing was imported; try a smaller file.",
        )
    try:
        plan = _parse(_stored_file(source_import), source_import.file_name)
        source_import = _record_parse(source_import, plan)
        if plan.failure:
            return _fail(source_import, plan.failure)
        return _insert(source_import, plan)
    except Exception as error:  # any crash: the insert transaction rolled back, tell the user
        logger.exception("Import %s failed", import_id)
        source_import = SourceImport.objects.filter(pk=import_id).first()
        if source_import is None:  # the review was deleted meanwhile
            return None
        return _fail(
            source_import,
            f"The import failed unexpectedly ({type(error).__name__}: {error}). Nothing was imported.",
        )


def _stored_file(source_import: SourceImport):
    """The stored upload as a path (the parser then frees the bytes once decoded), or its bytes."""
    try:
        return Path(source_import.file.path)
    except NotImplementedError:  # a storage without local files
        with source_import.file.open("rb") as stored:
            return stored.read()


def _claim(import_id: int) -> bool:
    """Take the job: queued, or running in a worker that died (redelivered task); False if finished."""
    claimed = SourceImport.objects.filter(
        pk=import_id, status__in=[SourceImport.Status.QUEUED, SourceImport.Status.RUNNING]
    ).update(status=SourceImport.Status.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now())
    return claimed == 1


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
    """One new record's values in _COLUMNS order (id left out), cut to the columns' lengths and cleaned."""
    journal, volume, issue, pages = parsed.journal, parsed.volume, parsed.issue, parsed.pages
    doi, pmid, reference_type = parsed.doi, parsed.pmid, parsed.raw_type
    # A quick test first (20 is the shortest of the short columns); _cut checks each limit exactly.
    if (
        len(journal) > _BOUNDED_FIELDS["journal"]
        or max(len(volume), len(issue), len(pages), len(reference_type)) > 20
        or len(doi) > _BOUNDED_FIELDS["doi"]
        or len(pmid) > _BOUNDED_FIELDS["pmid"]
    ):
        journal, volume, issue, pages, doi, pmid, reference_type = _cut(
            parsed, (journal, volume, issue, pages, doi, pmid, reference_type), warnings
        )
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


def _cut(parsed, values: tuple, warnings: list[dict]) -> tuple:
    """Values longer than their column, cut, each with a warning on the record's line."""
    cut = []
    for name, value in zip(_BOUNDED_FIELDS, values, strict=True):
        limit = _BOUNDED_FIELDS[name]
        if len(value) > limit:
            warnings.append(
                {
                    "line": parsed.source_line,
                    "message": f"{name.replace('_', ' ')} longer than {limit} characters was cut",
                }
            )
            value = value[:limit]
        cut.append(value)
    return tuple(cut)


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
