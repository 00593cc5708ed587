"""Large downloads prepared by a worker: start a job, run it with progress, find the caller's jobs.

Small downloads are built in the request. The bundle and the review's XLSX go through a
``DownloadJob``: the page (or API client) POSTs, a worker builds the file and reports its
progress in the row, the page polls it with htmx, then serves the file from the row.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from core.queueing import enqueue_on_commit
from downloads.models import DownloadJob, DownloadKind, DownloadStatus
from reviews.models import Review, ReviewMembership

logger = logging.getLogger(__name__)

# A job that has not moved for this long lost its worker (killed, or its message lost with Redis).
LOST_AFTER = timedelta(minutes=15)
KEEP_JOBS = 5  # finished jobs kept per member and review (each holds its file)


def _task():
    from downloads.tasks import prepare_download  # tasks import this module; import late

    return prepare_download


@transaction.atomic
def download_job_start(*, review: Review, user, kind: str) -> DownloadJob:
    """Record a job for the user and queue it for a worker once committed."""
    if kind not in DownloadKind.values:
        raise ValueError(f"Unknown download {kind!r}")
    job = DownloadJob.objects.create(review=review, requested_by=user, kind=kind, step="Waiting for a worker")
    old = DownloadJob.objects.filter(review=review, requested_by=user).values_list("pk", flat=True)[
        KEEP_JOBS:
    ]
    DownloadJob.objects.filter(pk__in=list(old)).delete()
    enqueue_on_commit(_task(), job.pk)
    return job


def _report(job_id: int):
    def report(percent: int, step: str) -> None:
        DownloadJob.objects.filter(pk=job_id).update(progress=min(100, max(0, percent)), step=step[:200])

    return report


def build_file(
    *, kind: str, review: Review, membership: ReviewMembership, progress=None
) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of a large download, for this member."""
    from downloads.exports import bundle, review_data

    if kind == DownloadKind.BUNDLE:
        content = bundle.build_bundle(review=review, membership=membership, progress=progress)
        return f"review-{review.pk}-bundle-v{review.data_version}.zip", "application/zip", content
    report = progress or (lambda percent, step: None)
    report(10, "Reading the extracted data")
    tables = review_data.review_tables(review=review, user=membership.user, membership=membership)
    report(60, "Writing the workbook")
    content = review_data.data_xlsx(tables)
    return (
        f"review-{review.pk}-data-v{review.data_version}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        content,
    )


def download_job_run(*, job_id: int) -> str:
    """Build the job's file and store it; returns the final status ("gone" when the job was removed)."""
    claimed = DownloadJob.objects.filter(
        pk=job_id, status__in=[DownloadStatus.QUEUED, DownloadStatus.RUNNING]
    ).update(status=DownloadStatus.RUNNING, started_at=timezone.now(), progress=1, step="Starting")
    if not claimed:
        return "gone"
    job = DownloadJob.objects.select_related("review", "requested_by").get(pk=job_id)
    membership = ReviewMembership.objects.filter(review=job.review, user=job.requested_by).first()
    if membership is None:  # no longer a member: nothing of the review for them
        DownloadJob.objects.filter(pk=job_id).update(
            status=DownloadStatus.FAILED,
            error="You are no longer a member of this review.",
            finished_at=timezone.now(),
        )
        return DownloadStatus.FAILED
    try:
        name, content_type, content = build_file(
            kind=job.kind, review=job.review, membership=membership, progress=_report(job_id)
        )
    except Exception as error:  # the member sees why; the log keeps the traceback
        logger.exception("download job %s failed", job_id)
        DownloadJob.objects.filter(pk=job_id).update(
            status=DownloadStatus.FAILED,
            error=f"The file could not be made: {error}",
            finished_at=timezone.now(),
        )
        return DownloadStatus.FAILED
    DownloadJob.objects.filter(pk=job_id).update(
        status=DownloadStatus.DONE,
        progress=100,
        step="Ready",
        file_name=name,
        content_type=content_type,
        content=content,
        size=len(content),
        data_version=job.review.data_version,
        finished_at=timezone.now(),
    )
    return DownloadStatus.DONE


def job_for_user(*, review: Review, user, job_id: int) -> DownloadJob:
    """One of the user's own jobs in this review (without its file); 404 otherwise."""
    job = DownloadJob.objects.defer("content").filter(review=review, requested_by=user, pk=job_id).first()
    if job is None:
        raise Http404("No such download.")
    return job


def jobs_of(*, review: Review, user):
    return DownloadJob.objects.defer("content").filter(review=review, requested_by=user)[:KEEP_JOBS]


def is_lost(job: DownloadJob) -> bool:
    """A queued or running job nobody has touched for LOST_AFTER: its worker is gone; start another."""
    if job.status in (DownloadStatus.DONE, DownloadStatus.FAILED):
        return False
    return (job.started_at or job.created_at) < timezone.now() - LOST_AFTER


def job_payload(job: DownloadJob, file_url: str | None) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": "lost" if is_lost(job) else job.status,
        "progress": job.progress,
        "step": job.step,
        "error": job.error,
        "file_name": job.file_name,
        "size": job.size,
        "data_version": job.data_version,
        "created_at": job.created_at.isoformat(),
        "file_url": file_url if job.status == DownloadStatus.DONE else None,
    }
