import pytest

from tests.workers import WorkerProcess, require_worker_services


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real worker process on Redis and the test PostgreSQL database; stopped after the test."""
    require_worker_services()
    from config.celery import app

    # Messages left in the test queue by an earlier, interrupted run would name rows that no longer exist.
    app.control.purge()
    worker = WorkerProcess(tmp_path / "worker.log").start()
    yield worker
    worker.stop()
