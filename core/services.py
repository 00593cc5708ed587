"""Writes of the platform-level records made by a request; what the worker writes is in ``pings``."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core import tokens
from core.models import ApiToken, WorkerPing
from core.queueing import enqueue_on_commit
from core.tasks import answer_worker_ping as answer_worker_ping_task


def worker_ping_request(*, user) -> WorkerPing:
    """Record a ping and queue it for a worker once committed."""
    with transaction.atomic():
        ping = WorkerPing.objects.create(requested_by=user)
        enqueue_on_commit(answer_worker_ping_task, ping.pk)
    return ping


def api_token_create(*, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user`` expiring after settings.API_TOKEN_DAYS; returns it and its key.

    The key is returned once and never stored, only its digest.
    """
    key = tokens.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        key_digest=tokens.digest(key),
        prefix=key[:8],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_DAYS),
    )
    return token, key


def api_token_revoke(*, user, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens (anyone else's answers 404); revoking twice is harmless."""
    token = get_object_or_404(ApiToken, pk=token_id, user=user)
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def api_token_mark_used(*, token: ApiToken) -> None:
    """Stamp the last use at most once a minute, so that reads do not each write a row."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
