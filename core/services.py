"""Writes of the platform-level records made by a request; what the worker writes is in ``pings``."""

from django.db import transaction

from core.models import WorkerPing
from core.queueing import enqueue_on_commit
from core.tasks import answer_worker_ping as answer_worker_ping_task


def worker_ping_request(*, user) -> WorkerPing:
    """Record a ping and queue it for a worker once committed."""
    with transaction.atomic():
        ping = WorkerPing.objects.create(requested_by=user)
        enqueue_on_commit(answer_worker_ping_task, ping.pk)
    return ping
