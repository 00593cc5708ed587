"""Uploading a reference file into a review: the stored file and its queued job.

The job itself (parsing, inserting, restarting a stalled job) is in import_jobs.py, which the
worker's task calls; this module queues that task, so imports run one way:
imports -> tasks -> import_jobs.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from core.queueing import enqueue_on_commit
from reviews.models import Review, SourceImport, SourceKind
from reviews.tasks import run_import as run_import_task


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
            enqueue_on_commit(run_import_task, source_import.pk)
    return source_import
