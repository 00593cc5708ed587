"""Platform pages: the worker status check."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
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
