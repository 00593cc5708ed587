"""Sign-in throttling: the client address failures are counted against, and the lockout answer."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind the production TLS proxy the address the proxy appended last.

    Only the last X-Forwarded-For entry is the proxy's own word; earlier ones come from the
    client and could be forged to dodge the lockout.
    """
    if settings.TRUSTED_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """What a locked-out sign-in gets (django-axes calls this): JSON for the API, a page otherwise."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = f"Too many failed sign-in attempts. Try again in {minutes} minutes."
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=status)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=status)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
