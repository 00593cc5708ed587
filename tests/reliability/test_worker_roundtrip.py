"""A task queued by a web request runs in a real worker process, through Redis."""

from django.urls import reverse

from core.models import WorkerPing
from tests.workers import wait_for


def test_web_request_task_is_run_by_a_real_worker(celery_worker_process, api_client_for, owner):
    response = api_client_for(owner).post(reverse("api-worker-pings"))
    assert response.status_code == 201
    ping_id = response.json()["id"]

    ping = wait_for(
        lambda: WorkerPing.objects.filter(pk=ping_id, answered_at__isnull=False).first(),
        timeout=30,
        message=f"the worker to answer ping {ping_id}; worker log:\n{celery_worker_process.log()}",
    )
    assert ping.worker_hostname.startswith("test-worker-")

    answered = api_client_for(owner).get(reverse("api-worker-ping", kwargs={"ping_id": ping_id})).json()
    assert answered["answered"] is True


def test_status_page_shows_the_worker_answer(celery_worker_process, client, owner):
    client.force_login(owner)
    fragment = client.post(reverse("status-ping")).content.decode()
    assert 'data-state="waiting"' in fragment
    ping = WorkerPing.objects.get(requested_by=owner)
    wait_for(lambda: WorkerPing.objects.filter(pk=ping.pk, answered_at__isnull=False).exists(), timeout=30)
    fragment = client.get(reverse("status-ping-detail", kwargs={"ping_id": ping.pk})).content.decode()
    assert 'data-state="answered"' in fragment


def test_another_users_ping_answers_404(db, api_client_for, owner, outsider):
    ping = WorkerPing.objects.create(requested_by=owner)
    response = api_client_for(outsider).get(reverse("api-worker-ping", kwargs={"ping_id": ping.pk}))
    assert response.status_code == 404


def test_publishing_to_a_dead_broker_is_bounded_and_reported(settings):
    """A save never hangs on a broker that is down: publishing gives up quickly and says so."""
    import time

    from celery import Celery

    from core.queueing import publish_now

    # Nothing listens on port 1. Not set as the current app: the project's shared tasks in later
    # tests of this process must keep publishing to the real broker.
    dead = Celery("dead-broker", broker="redis://127.0.0.1:1/0", set_as_current=False)
    dead.conf.broker_connection_timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
    dead.conf.task_publish_retry_policy = settings.CELERY_TASK_PUBLISH_RETRY_POLICY

    @dead.task(name="tests.noop")
    def noop():
        return None

    started = time.monotonic()
    assert publish_now(noop, 1) is False
    assert time.monotonic() - started < 10

    from celery import current_app

    assert current_app.main == "opensynth"
