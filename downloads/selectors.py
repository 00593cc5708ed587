"""The member's own download jobs: each job belongs to who asked for it, and only they see it."""

from datetime import timedelta

from django.http import Http404
from django.utils import timezone

from downloads.models import DownloadJob, DownloadStatus
from reviews.models import Review

# A job that has not moved for this long lost its worker (killed, or its message lost with Redis).
LOST_AFTER = timedelta(minutes=15)
KEEP_JOBS = 5  # finished jobs kept per member and review (each holds its file)


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
