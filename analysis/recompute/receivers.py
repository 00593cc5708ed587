"""The analysis app's answer to extraction's ``extraction_data_changed``: queue the recomputations.

The signal is sent after the change committed, so the tasks are published at once
(``publish_now``: bounded, a broker that is down costs a log line; the sweep catches up), and
coalesced: an analysis whose task waits in the queue gets no second one (``marks``).
"""

import logging

from analysis.models import Analysis
from analysis.recompute.queue import queue_recompute
from analysis.tasks import create_default_analyses as create_default_analyses_task
from core.queueing import publish_now
from extraction.models import Outcome

logger = logging.getLogger(__name__)


def on_extraction_data_changed(
    sender, *, review_id: int, data_version: int, outcome_ids=None, **kwargs
) -> None:
    analyses = list(
        Analysis.objects.filter(review_id=review_id).values_list("pk", "outcome_id", "is_default")
    )
    affected = [pk for pk, outcome, _ in analyses if outcome_ids is None or outcome in outcome_ids]
    # Analyses of other outcomes are queued too (after the affected ones): their result is
    # re-stamped with the new version without computing, so no page shows them as stale.
    others = [pk for pk, _, _ in analyses if pk not in set(affected)]
    queue_recompute(affected + others)
    with_default = {outcome for _, outcome, is_default in analyses if is_default}
    if outcome_ids is not None and set(outcome_ids) <= with_default:
        return  # a default analysis is made together with its outcome's defaults: nothing to make
    without_defaults = Outcome.objects.filter(review_id=review_id, analysis_defaults__isnull=True)
    if outcome_ids is not None:
        without_defaults = without_defaults.filter(pk__in=outcome_ids)
    if without_defaults.exists():
        publish_now(create_default_analyses_task, review_id, outcome_ids)
