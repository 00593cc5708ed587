"""The test configuration itself: test settings without any variable set, and parallel workers kept apart."""

import inspect
import os
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests import workers
from tests.environment import WORKER, redis_url_for_worker


def test_a_bare_pytest_runs_with_the_test_settings():
    assert settings.ENVIRONMENT == "test"
    assert os.environ["OPENSYNTH_ENV"] == "test"
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_each_xdist_worker_takes_the_redis_database_below_the_previous_one():
    assert redis_url_for_worker("redis://127.0.0.1:6379/15", 0) == "redis://127.0.0.1:6379/15"
    assert redis_url_for_worker("redis://127.0.0.1:6379/15", 2) == "redis://127.0.0.1:6379/13"
    assert redis_url_for_worker("redis://:secret@redis.example.org:6380/9", 1) == (
        "redis://:secret@redis.example.org:6380/8"
    )


def test_too_few_redis_databases_for_the_workers_is_said_before_any_test_runs():
    with pytest.raises(pytest.UsageError, match="no Redis database for xdist worker 2"):
        redis_url_for_worker("redis://127.0.0.1:6379/1", 2)
    with pytest.raises(pytest.UsageError, match="no Redis database for xdist worker 1"):
        redis_url_for_worker("redis://127.0.0.1:6379", 1)


@pytest.mark.skipif(not WORKER, reason="runs under pytest-xdist (make test)")
def test_each_xdist_worker_has_its_own_data_folder_and_database(db):
    assert settings.DATA_DIR.name == WORKER
    assert settings.MEDIA_ROOT.parent == settings.DATA_DIR
    if connection.vendor == "postgresql":
        # The database the worker processes that tests start are given.
        assert workers.test_database_url().endswith(f"_{WORKER}")


def test_make_test_fast_leaves_out_every_test_that_starts_a_worker_a_browser_or_a_server(request):
    """Everything ``-m "not services and not browser"`` keeps runs without processes or servers of its own."""
    starters = {"celery_worker_process", "live_server", "chromium", "new_page", "transactional_db"}
    kept = [
        item
        for item in request.session.items
        if not item.get_closest_marker("services") and not item.get_closest_marker("browser")
    ]
    assert kept, "the fast selection keeps some tests"
    for item in kept:
        assert not starters & set(getattr(item, "fixturenames", ())), item.nodeid
    for module in {item.module for item in kept if getattr(item, "module", None)} - {sys.modules[__name__]}:
        assert "WorkerProcess(" not in inspect.getsource(module), module.__name__
