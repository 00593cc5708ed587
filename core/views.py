"""Platform pages: the worker status check and the signed-in person's API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import selectors, services


@login_required
def status(request):
    return render(request, "core/status.html", {})


@login_required
@require_POST
def status_ping(request):
    ping = services.worker_ping_request(user=request.user)
    return render(request, "core/_ping.html", {"ping": ping})


@login_required
def status_ping_detail(request, ping_id: int):
    ping = selectors.worker_ping_for_user(user=request.user, ping_id=ping_id)
    return render(request, "core/_ping.html", {"ping": ping})


@login_required
def api_tokens(request):
    """List my API tokens; POST makes a new one and shows its key this once."""
    new_key = None
    if request.method == "POST":
        _, new_key = services.api_token_create(user=request.user, name=request.POST.get("name", "").strip())
    tokens = selectors.api_tokens_of(user=request.user)
    return render(
        request, "core/api_tokens.html", {"tokens": tokens, "new_key": new_key, "now": timezone.now()}
    )


@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    token = services.api_token_revoke(user=request.user, token_id=token_id)
    messages.success(request, f"Token {token.prefix}… revoked.")
    return redirect("api-tokens-page")
