"""Queue recomputations from services and receivers: one task per analysis while one waits (see marks)."""

from analysis.recompute import marks
from analysis.recompute.tasks import recompute_analysis as recompute_task
from core.queueing import publish_now


def queue_recompute(analysis_ids) -> list[int]:
    """Publish the recompute task for each analysis that has none waiting; returns those published."""
    return marks.publish_coalesced(analysis_ids, lambda analysis_id: publish_now(recompute_task, analysis_id))
