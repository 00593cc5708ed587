"""Reads of platform-level records, scoped to the user asking."""

from django.shortcuts import get_object_or_404

from core.models import WorkerPing


def worker_ping_for_user(*, user, ping_id: int) -> WorkerPing:
    """One of the user's own pings; anyone else's answers 404."""
    return get_object_or_404(WorkerPing, pk=ping_id, requested_by=user)
