"""Download tasks: thin, they take a job id and call the downloads service."""

import logging

from celery import shared_task

from downloads import services as jobs

logger = logging.getLogger(__name__)


@shared_task(name="analysis.prepare_download", acks_late=True, reject_on_worker_lost=True)
def prepare_download(job_id: int) -> None:
    status = jobs.download_job_run(job_id=job_id)
    logger.info("download job %s: %s", job_id, status)
