"""Queue Celery tasks after the surrounding transaction commits, without ever blocking a save.

Every service that has a side effect in a worker goes through ``enqueue_on_commit``:
the task is published only once the data it needs is committed (a worker never
reads a row that is not there yet), and a broker that is down costs the user a
logged warning, not a failed or hanging request. Work lost that way is caught
by the periodic sweeps.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def publish_now(task, *args) -> bool:
    """Publish a task at once, bounded in time; returns False (and logs) if the broker refused."""
    try:
        task.apply_async(args=args, retry=True)
    except Exception:  # any broker or connection error: the data is safe, the sweep will retry
        logger.exception("Could not publish %s%r; a periodic sweep will pick the work up", task.name, args)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Publish ``task(*args)`` when the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish_now(task, *args))
