"""The PRISMA 2020 page: a live flow diagram (htmx polling), counts entered by the owner, downloads."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from reviews import prisma_diagram
from reviews.models import Role
from reviews.screening_rules import PRISMA_COUNT_MAX, sees_conflicts
from reviews.selectors import review_for_user
from reviews.selectors.prisma import prisma_counts
from reviews.services import screening as screening_services

POLL_SECONDS = 3


class ManualCountsForm(forms.Form):
    duplicates_removed_before_import = forms.IntegerField(
        label="Duplicates removed before import", min_value=0, max_value=PRISMA_COUNT_MAX
    )
    removed_by_automation = forms.IntegerField(
        label="Records marked ineligible by automation tools", min_value=0, max_value=PRISMA_COUNT_MAX
    )
    removed_other_reasons = forms.IntegerField(
        label="Records removed before screening for other reasons", min_value=0, max_value=PRISMA_COUNT_MAX
    )


def _counts(review, membership) -> dict:
    return prisma_counts(review=review, include_conflicts=sees_conflicts(membership.role))


def _page_context(review, membership, form=None) -> dict:
    counts = _counts(review, membership)
    if form is None and membership.has_at_least(Role.OWNER):
        form = ManualCountsForm(initial=counts["entered_by_owner"])
    return {
        "review": review,
        "membership": membership,
        "stage": "prisma",
        "counts": counts,
        "form": form,
        "poll_seconds": POLL_SECONDS,
    }


@login_required
@require_GET
def prisma(request, review_id: int):
    review, membership = review_for_user(user=request.user, review_id=review_id)
    return render(request, "reviews/prisma/prisma.html", _page_context(review, membership))


@login_required
@require_GET
def prisma_live(request, review_id: int):
    review, membership = review_for_user(user=request.user, review_id=review_id)
    context = {"review": review, "counts": _counts(review, membership), "poll_seconds": POLL_SECONDS}
    return render(request, "reviews/prisma/_diagram.html", context)


@login_required
@require_POST
def prisma_manual_counts(request, review_id: int):
    review, membership = review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
    form = ManualCountsForm(request.POST)
    if form.is_valid():
        try:
            screening_services.prisma_manual_counts_update(
                review=review, updated_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, "PRISMA counts saved.")
            return redirect("reviews:prisma", review_id=review.pk)
    return render(request, "reviews/prisma/prisma.html", _page_context(review, membership, form), status=400)


@login_required
@require_GET
def prisma_download(request, review_id: int, fmt: str):
    review, membership = review_for_user(user=request.user, review_id=review_id)
    body = prisma_diagram.render(_counts(review, membership), fmt)
    response = HttpResponse(body, content_type="image/svg+xml" if fmt == "svg" else "image/png")
    response["Content-Disposition"] = f'attachment; filename="prisma-review-{review.pk}.{fmt}"'
    return response
