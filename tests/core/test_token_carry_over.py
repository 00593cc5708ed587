"""Tokens made by DRF's authtoken before expiry existed keep working after the upgrade, until they expire."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken

carry_over = importlib.import_module("core.migrations.0003_carry_over_drf_tokens").carry_over


def test_an_old_drf_token_still_authenticates_and_now_expires(reviewer, review, settings):
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, user_id bigint)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [key, timezone.now(), reviewer.pk])
    # The migration reads only the editor's connection; SQLite allows no real editor inside the test's transaction.
    carry_over(apps, SimpleNamespace(connection=connection))

    token = ApiToken.objects.get(user=reviewer)
    assert key not in {token.key_digest, token.prefix}
    assert abs(token.expires_at - (timezone.now() + timedelta(days=settings.API_TOKEN_DAYS))) < timedelta(
        minutes=1
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("api-review", kwargs={"review_id": review.pk})).status_code == 200
