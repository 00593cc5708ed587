"""Download tasks: thin, they take a job id and call the building of the file."""

import logging

from celery import shared_task

from downloads import building

logger = logging.getLogger(__name__)


@shared_task(name="analysis.prepare_download", acks_late=True, reject_on_worker_lost=True)
def prepare_download(job_id: int) -> None:
    status = building.download_job_run(job_id=job_id)
    logger.info("download job %s: %s", job_id, status)
