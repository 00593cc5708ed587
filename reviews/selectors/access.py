"""Reads of reviews and members, always scoped to the reviews the user belongs to.

Every page and API view finds a review through ``review_for_user``: a review
the user is not a member of answers 404 (not 403), so outsiders cannot even
learn that it exists. A member whose role is too low for an action gets 403.
"""

from django.db.models import Count, QuerySet
from django.http import Http404

from reviews.models import Review, ReviewMembership, Role, require_role_at_least


def reviews_for_user(*, user) -> QuerySet[Review]:
    """The reviews the user is a member of (none for anonymous users)."""
    if not user.is_authenticated:
        return Review.objects.none()
    return Review.objects.filter(memberships__user=user)


def review_list_for_user(*, user) -> QuerySet[Review]:
    """The user's reviews with their member counts and the user's own role, for lists."""
    return (
        reviews_for_user(user=user)
        .annotate(member_count=Count("memberships", distinct=True))
        .prefetch_related("memberships")
        .order_by("-created_at")
    )


def membership_for(*, user, review_id: int) -> ReviewMembership:
    """The user's membership of a review, or 404 when there is none (or no such review)."""
    if not user.is_authenticated:
        raise Http404("No such review.")
    try:
        return ReviewMembership.objects.select_related("review").get(review_id=review_id, user=user)
    except ReviewMembership.DoesNotExist:
        raise Http404("No such review.") from None


def review_for_user(*, user, review_id: int, min_role: str = Role.VIEWER) -> tuple[Review, ReviewMembership]:
    """The review and the user's membership; 404 for non-members, 403 when the role is too low."""
    membership = membership_for(user=user, review_id=review_id)
    require_role_at_least(membership.role, min_role)
    return membership.review, membership


def members_of(*, review: Review) -> QuerySet[ReviewMembership]:
    """A review's members with their users, owners first."""
    return review.memberships.select_related("user", "invited_by").order_by("role", "user__username")


def member_of_review(*, review: Review, membership_id: int) -> ReviewMembership:
    """One membership of this review; a membership of another review answers 404."""
    try:
        return review.memberships.select_related("user").get(pk=membership_id)
    except ReviewMembership.DoesNotExist:
        raise Http404("No such member in this review.") from None
