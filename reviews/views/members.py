"""HTML pages for reviews and members. Thin: check access through selectors, write through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from reviews import selectors, services
from reviews.forms import ChangeRoleForm, InviteMemberForm, ReviewForm
from reviews.models import Role


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def home(request):
    reviews = selectors.review_list_for_user(user=request.user)
    roles = {m.review_id: m.get_role_display() for m in request.user.review_memberships.all()}
    return render(request, "reviews/home.html", {"reviews": reviews, "roles": roles})


@login_required
@require_http_methods(["GET", "POST"])
def review_create(request):
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_create(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Review “{review.title}” created. Invite your team next.")
            return redirect("reviews:members", review_id=review.pk)
    return render(request, "reviews/review_form.html", {"form": form, "creating": True})


@login_required
def review_detail(request, review_id: int):
    review, membership = selectors.review_for_user(user=request.user, review_id=review_id)
    members = selectors.members_of(review=review)
    return render(
        request,
        "reviews/review_detail.html",
        {"review": review, "membership": membership, "members": members, "stage": "overview"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_settings(request, review_id: int):
    review, membership = selectors.review_for_user(
        user=request.user, review_id=review_id, min_role=Role.OWNER
    )
    form = ReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_update_settings(review=review, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("reviews:detail", review_id=review.pk)
    return render(
        request,
        "reviews/review_form.html",
        {"form": form, "review": review, "membership": membership, "stage": "settings"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def members(request, review_id: int):
    review, membership = selectors.review_for_user(user=request.user, review_id=review_id)
    form = InviteMemberForm(request.POST or None)
    if request.method == "POST":
        # Only owners manage members; others may look at the list.
        review, membership = selectors.review_for_user(
            user=request.user, review_id=review_id, min_role=Role.OWNER
        )
        if form.is_valid():
            try:
                invited = services.member_invite(
                    review=review,
                    invited_by=request.user,
                    user_identifier=form.cleaned_data["user"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(
                    request, f"{invited.user.username} joined as {invited.get_role_display().lower()}."
                )
                return redirect("reviews:members", review_id=review.pk)
    return render(
        request,
        "reviews/members.html",
        {
            "review": review,
            "membership": membership,
            "members": selectors.members_of(review=review),
            "form": form,
            "roles": Role.choices,
            "stage": "members",
        },
    )


@login_required
@require_POST
def member_change_role(request, review_id: int, membership_id: int):
    review, _ = selectors.review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
    target = selectors.member_of_review(review=review, membership_id=membership_id)
    form = ChangeRoleForm(request.POST)
    if form.is_valid():
        try:
            services.member_change_role(membership=target, role=form.cleaned_data["role"])
            messages.success(request, f"{target.user.username} is now {target.get_role_display().lower()}.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Choose a valid role.")
    return redirect("reviews:members", review_id=review.pk)


@login_required
@require_POST
def member_remove(request, review_id: int, membership_id: int):
    review, _ = selectors.review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
    target = selectors.member_of_review(review=review, membership_id=membership_id)
    try:
        services.member_remove(membership=target)
        messages.success(request, f"{target.user.username} was removed from the review.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("reviews:members", review_id=review.pk)
