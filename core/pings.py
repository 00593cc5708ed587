"""What a worker does with a ping (the task calls this): stamp it answered, once."""

from django.utils import timezone

from core.models import WorkerPing


def worker_ping_answer(*, ping_id: int, hostname: str) -> bool:
    """Stamp a ping as answered; False if it is gone or was answered already (duplicate delivery)."""
    updated = WorkerPing.objects.filter(pk=ping_id, answered_at__isnull=True).update(
        answered_at=timezone.now(), worker_hostname=hostname[:255]
    )
    return bool(updated)
