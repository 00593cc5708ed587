"""Reads of platform-level records, scoped to the user asking."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from core import tokens
from core.models import ApiToken, WorkerPing


def worker_ping_for_user(*, user, ping_id: int) -> WorkerPing:
    """One of the user's own pings; anyone else's answers 404."""
    return get_object_or_404(WorkerPing, pk=ping_id, requested_by=user)


def api_tokens_of(*, user) -> QuerySet[ApiToken]:
    """The user's own tokens that were not revoked, newest first (expired ones included, marked so)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def api_token_by_key(*, key: str) -> ApiToken | None:
    """The token a key belongs to, with its user, or None; expiry and revocation are the caller's check."""
    return ApiToken.objects.select_related("user").filter(key_digest=tokens.digest(key)).first()
