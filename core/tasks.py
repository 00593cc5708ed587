"""Platform tasks: thin, they take ids and call the function that does the work."""

from celery import shared_task

from core import pings


@shared_task(name="core.answer_worker_ping")
def answer_worker_ping(ping_id: int) -> None:
    hostname = answer_worker_ping.request.hostname or "unknown worker"
    pings.worker_ping_answer(ping_id=ping_id, hostname=hostname)
