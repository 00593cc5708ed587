"""Writes of the platform-level records."""

from django.db import transaction
from django.utils import timezone

from core.models import WorkerPing
from core.queueing import enqueue_on_commit


def worker_ping_request(*, user) -> WorkerPing:
    """Record a ping and queue it for a worker once committed."""
    from core.tasks import answer_worker_ping

    with transaction.atomic():
        ping = WorkerPing.objects.create(requested_by=user)
        enqueue_on_commit(answer_worker_ping, ping.pk)
    return ping


def worker_ping_answer(*, ping_id: int, hostname: str) -> bool:
    """Stamp a ping as answered; False if it is gone or was answered already (duplicate delivery)."""
    updated = WorkerPing.objects.filter(pk=ping_id, answered_at__isnull=True).update(
        answered_at=timezone.now(), worker_hostname=hostname[:255]
    )
    return bool(updated)
