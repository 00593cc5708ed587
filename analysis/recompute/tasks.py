"""The recompute task: thin, it takes an analysis id and calls the recompute protocol."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from analysis.recompute import marks, protocol
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
    # Before the snapshot: edits committed from here on queue a task of their own (marks).
    cleared = marks.recompute_starting(analysis_id)
    outcome = protocol.recompute(analysis_id=analysis_id, worker=self.request.hostname or "")
    logger.info(
        "recompute analysis %s: %s (data version %s)", analysis_id, outcome.status, outcome.data_version
    )
    if outcome.moved_on:
        if cleared:
            # nothing more when an edit's task already waits
            marks.publish_coalesced([analysis_id], lambda pk: publish_now(recompute_analysis, pk))
        else:
            publish_now(recompute_analysis, analysis_id)
