"""The analysis app's tasks besides the recompute itself: default analyses and the sweep that catches up."""

import logging

from celery import shared_task

from analysis.recompute import protocol, selectors
from analysis.recompute.tasks import recompute_analysis as recompute_task
from analysis.services import definitions
from core.queueing import publish_now

logger = logging.getLogger(__name__)


@shared_task(name="analysis.create_default_analyses", acks_late=True)
def create_default_analyses(review_id: int, outcome_ids=None) -> None:
    for analysis in definitions.default_analyses_create(review_id=review_id, outcome_ids=outcome_ids):
        logger.info("default analysis %s made for outcome %s", analysis.pk, analysis.outcome_id)


@shared_task(name="analysis.sweep_stale_analyses", acks_late=True)
def sweep_stale_analyses() -> int:
    """Queue every analysis whose result is older than its data (work lost to a broker or a dead worker)."""
    for review_id in selectors.reviews_missing_defaults():
        publish_now(create_default_analyses, review_id)
    stale = protocol.stale_analysis_ids()
    for analysis_id in stale:
        publish_now(recompute_task, analysis_id)
    if stale:
        logger.info("sweep queued %d stale analyses", len(stale))
    return len(stale)
