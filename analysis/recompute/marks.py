"""Queue recomputations coalesced: while a task for an analysis waits in the queue, more edits add none.

A burst of edits (20 editors saving at once) would otherwise queue one task per edit and per
analysis, each finding the data moved on when it runs. A mark in Redis says "a task for this
analysis is queued and has not started": an edit that finds the mark publishes nothing, because
the queued task has not read the data yet and so will read this edit's version.

- ``publish_coalesced`` sets the mark (SET NX) and publishes only when it set it.
- ``recompute_starting`` deletes the mark *before* the task reads its snapshot: an edit that commits
  after that finds no mark and publishes a task of its own. So no committed version is left without a
  task that reads it (or a newer one).
- The mark expires after ``MARK_SECONDS``: a mark whose message never reached the broker (a process
  killed between the two) stops holding edits back; the periodic sweep, which publishes without
  looking at marks, catches such an analysis up meanwhile.
- Without Redis (the filesystem broker of `make run`) or when Redis answers with an error, every
  call publishes: a duplicate costs little, a missing task is what must never happen.
"""

import logging
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)

MARK_SECONDS = 60
_clients: dict[str, object] = {}


def _redis():
    """One client per process and URL (redis-py reopens its pool's connections after a fork)."""
    url = settings.REDIS_URL
    if not url:
        return None
    if url not in _clients:
        import redis

        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    return _clients[url]


def _key(analysis_id: int) -> str:
    # The database name keeps two databases that share one Redis (test runs) from hiding each other's work.
    return f"opensynth:recompute-queued:{settings.DATABASES['default']['NAME']}:{analysis_id}"


def publish_coalesced(analysis_ids, publish: Callable[[int], bool]) -> list[int]:
    """``publish(analysis_id)`` for each analysis that has no task waiting; returns those published.

    The caller passes the publishing (``queue.queue_recompute`` from services, the task itself when
    it requeues), so the marks know no task module and a task module can use them."""
    analysis_ids = list(analysis_ids)
    marked = [True] * len(analysis_ids)  # without marks every analysis is published
    client = _redis()
    if client is not None and analysis_ids:
        try:
            pipe = client.pipeline(transaction=False)  # one round trip for all the analyses
            for analysis_id in analysis_ids:
                pipe.set(_key(analysis_id), 1, nx=True, ex=MARK_SECONDS)
            marked = [bool(answer) for answer in pipe.execute()]
        except Exception:  # no marks: publish anyway (a duplicate is cheap)
            logger.warning("Could not mark analyses %s as queued; publishing anyway", analysis_ids)
            marked = [True] * len(analysis_ids)
    published = []
    for analysis_id, newly_marked in zip(analysis_ids, marked, strict=True):
        if not newly_marked:
            continue  # a queued task that has not started will read this version
        if publish(analysis_id):
            published.append(analysis_id)
        else:
            recompute_starting(analysis_id)  # nothing is queued: let the next edit publish
    return published


def recompute_starting(analysis_id: int) -> bool:
    """Drop the mark before the task reads the data, so edits from now on queue a task of their own.

    False when the mark may still be there (Redis refused): the task then requeues itself without
    asking the mark if the data moves on, since edits meanwhile may have published nothing.
    """
    client = _redis()
    if client is None:
        return True
    try:
        client.delete(_key(analysis_id))
    except Exception:  # the mark expires by itself; the sweep covers the gap
        logger.warning("Could not clear the queued mark of analysis %s", analysis_id)
        return False
    return True


def forget_marks() -> int:
    """Drop every mark of this database: for when the queued messages were thrown away (a purge).

    A mark without its message holds edits back until it expires; after a purge nothing waits.
    """
    client = _redis()
    if client is None:
        return 0
    keys = list(client.scan_iter(match=_key("*"), count=500))
    return client.delete(*keys) if keys else 0
