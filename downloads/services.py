"""Large downloads prepared by a worker: a member starts a job (see docs/architecture.md).

Small downloads are built in the request. The bundle and the review's XLSX go through a
``DownloadJob``: the page (or API client) POSTs, a worker builds the file and reports its
progress in the row (``building``), the page polls it with htmx, then serves the file from the row.
"""

from django.db import transaction

from core.queueing import enqueue_on_commit
from downloads.models import DownloadJob, DownloadKind
from downloads.selectors import KEEP_JOBS
from downloads.tasks import prepare_download as prepare_download_task
from reviews.models import Review


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
    enqueue_on_commit(prepare_download_task, job.pk)
    return job
