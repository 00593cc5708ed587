"""Platform tasks: thin, they take ids and call a service."""

from celery import shared_task

from core import services


@shared_task(name="core.answer_worker_ping")
def answer_worker_ping(ping_id: int) -> None:
    hostname = answer_worker_ping.request.hostname or "unknown worker"
    services.worker_ping_answer(ping_id=ping_id, hostname=hostname)
