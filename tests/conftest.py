"""Named people and real-service helpers shared by every test.

People: ``owner`` (creates the review), ``reviewer`` and ``viewer`` (members),
``outsider`` (a user with no membership), and anonymous (no login).
Tests that need PostgreSQL, Redis, a worker process or Chromium call
``require_service``: it skips on a developer's machine that lacks the service
and fails in CI, where OPENSYNTH_REQUIRE_SERVICES=1.

The environment (OPENSYNTH_ENV=test, one Redis database and data folder per
xdist worker) is set earlier, by the plugin ``tests.environment``.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from reviews import services
from reviews.models import Role

PASSWORD = "correct horse battery staple"

TESTS = Path(__file__).resolve().parent
# Fixtures that start real processes or servers: a test that uses one is a service test.
SERVICE_FIXTURES = {"celery_worker_process", "live_server"}


def _commits_for_real(item) -> bool:
    """A transactional test is about commits seen by other connections, threads or processes."""
    marker = item.get_closest_marker("django_db")
    return "transactional_db" in getattr(item, "fixturenames", ()) or bool(
        marker and marker.kwargs.get("transaction")
    )


@pytest.hookimpl(tryfirst=True)  # before pytest's own hook selects by ``-m``
def pytest_collection_modifyitems(config, items):
    """Mark by place and fixture, so ``make test-fast`` (``-m "not services and not browser"``)
    leaves out every browser, worker and service test without each file having to say so."""
    for item in items:
        folders = item.path.parents
        if TESTS / "browser" in folders:
            item.add_marker(pytest.mark.browser)
        if (
            TESTS / "reliability" in folders
            or SERVICE_FIXTURES & set(getattr(item, "fixturenames", ()))
            or _commits_for_real(item)
        ):
            item.add_marker(pytest.mark.services)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # The longest tests first (workers, faults, Chromium), so that at the end no process is left
        # alone with one of them while the others have finished. xdist hands tests out in this order.
        items.sort(
            key=lambda item: not (item.get_closest_marker("services") or item.get_closest_marker("browser"))
        )


def require_service(available: bool, what: str) -> None:
    """Skip (developer machine) or fail (CI) when a real service is missing."""
    if available:
        return
    if settings.REQUIRE_SERVICES:
        pytest.fail(f"{what} is required in CI (OPENSYNTH_REQUIRE_SERVICES=1) but is not available")
    pytest.skip(f"{what} is not available here; CI runs this test against the real service")


def make_user(username: str):
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD
    )


@pytest.fixture
def owner(db):
    return make_user("olivia")


@pytest.fixture
def reviewer(db):
    return make_user("rahul")


@pytest.fixture
def viewer(db):
    return make_user("vera")


@pytest.fixture
def outsider(db):
    return make_user("oscar")


@pytest.fixture
def review(owner, reviewer, viewer):
    """A review with an owner, a reviewer and a viewer."""
    review = services.review_create(
        owner=owner, title="IL-2 maintenance in AML", question="Does IL-2 prolong LFS?"
    )
    services.member_invite(
        review=review, invited_by=owner, user_identifier=reviewer.username, role=Role.REVIEWER
    )
    services.member_invite(review=review, invited_by=owner, user_identifier=viewer.username, role=Role.VIEWER)
    return review


@pytest.fixture
def other_review(outsider):
    """A review the named people of ``review`` have no part in."""
    return services.review_create(owner=outsider, title="Outsider's own review")


@pytest.fixture
def api_client_for():
    def build(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return build
