"""What the worker does with a download job: build the file with progress and store it in the row.

The file is built for the member who asked (their role decides what it shows).
"""

from __future__ import annotations

import logging

from django.utils import timezone

from downloads.exports import bundle, review_data
from downloads.models import DownloadJob, DownloadKind, DownloadStatus
from reviews.models import Review, ReviewMembership

logger = logging.getLogger(__name__)


def _report(job_id: int):
    def report(percent: int, step: str) -> None:
        DownloadJob.objects.filter(pk=job_id).update(progress=min(100, max(0, percent)), step=step[:200])

    return report


def build_file(
    *, kind: str, review: Review, membership: ReviewMembership, progress=None
) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of a large download, for this member."""
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
