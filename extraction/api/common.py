"""Shared pieces of the extraction API: the 409 response of a stale write."""

from rest_framework import status
from rest_framework.response import Response


def conflict_response(conflict) -> Response:
    """HTTP 409 with the current value, its version and who wrote it; nothing was saved."""
    return Response(conflict.as_dict(), status=status.HTTP_409_CONFLICT)
