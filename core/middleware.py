"""Middleware of our own: the Permissions-Policy header, and a clear answer when the database is down.

DatabaseUnavailableMiddleware: A database that cannot be reached answers 503 with a message that says what to do.

While PostgreSQL restarts (a failover, an upgrade) every request that needs it fails. Without
this the user gets the generic 500 page. Each save is one transaction, so a change is kept
whole or not at all; only a connection lost during the COMMIT itself leaves the outcome
unknown to the web process, so the message asks the user to look before saving again.
The page is plain HTML of its own: the site's layout reads the database.
"""

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

MESSAGE = (
    "The database cannot be reached right now, so your change was probably not saved. "
    "Reload in a moment to see what is stored, then try again."
)
RETRY_AFTER_SECONDS = "10"


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": MESSAGE}, status=503)
        else:
            response = HttpResponse(
                f'<!doctype html><html lang="en"><title>Database unavailable</title><p>{MESSAGE}</p></html>',
                status=503,
            )
        response["Retry-After"] = RETRY_AFTER_SECONDS
        return response


class PermissionsPolicyMiddleware:
    """Add the Permissions-Policy header (settings.PERMISSIONS_POLICY) to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
