"""Analysis tasks: thin, they take ids and call the recompute service."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from analysis import services
from analysis.recompute.marks import queue_recompute, recompute_starting
from core.queueing import publish_now

logger = logging.getLogger(__name__)


@shared_task(
    name="analysis.recompute_analysis",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # A database that blips is retried a few times; beyond that the periodic sweep catches up.
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=1,
    retry_backoff_max=10,
)
def recompute_analysis(self, analysis_id: int) -> None:
    # Before the snapshot: edits committed from here on queue a task of their own (recompute_queue).
    cleared = recompute_starting(analysis_id)
    outcome = services.recompute(analysis_id=analysis_id, worker=self.request.hostname or "")
    logger.info(
        "recompute analysis %s: %s (data version %s)", analysis_id, outcome.status, outcome.data_version
    )
    if outcome.moved_on:
        if cleared:
            queue_recompute([analysis_id])  # nothing more when an edit's task already waits
        else:
            publish_now(recompute_analysis, analysis_id)


@shared_task(name="analysis.create_default_analyses", acks_late=True)
def create_default_analyses(review_id: int, outcome_ids=None) -> None:
    for analysis in services.default_analyses_create(review_id=review_id, outcome_ids=outcome_ids):
        logger.info("default analysis %s made for outcome %s", analysis.pk, analysis.outcome_id)


@shared_task(name="analysis.sweep_stale_analyses", acks_late=True)
def sweep_stale_analyses() -> int:
    """Queue every analysis whose result is older than its data (work lost to a broker or a dead worker)."""
    from analysis.recompute.receivers import reviews_missing_defaults

    for review_id in reviews_missing_defaults():
        publish_now(create_default_analyses, review_id)
    stale = services.stale_analysis_ids()
    for analysis_id in stale:
        publish_now(recompute_analysis, analysis_id)
    if stale:
        logger.info("sweep queued %d stale analyses", len(stale))
    return len(stale)
