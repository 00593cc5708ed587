"""Every write to reviews and their members: keyword arguments, one transaction each."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from reviews.models import Review, ReviewMembership, Role

User = get_user_model()

REVIEW_SETTINGS = ("title", "question", "reviewers_per_record", "blind_screening", "extractions_per_study")


def _validate(review: Review) -> None:
    review.full_clean(exclude=["created_by"])


@transaction.atomic
def review_create(
    *,
    owner,
    title: str,
    question: str = "",
    reviewers_per_record: int = 2,
    blind_screening: bool = True,
    extractions_per_study: int = 1,
) -> Review:
    """Create a review with its creator as owner."""
    review = Review(
        title=title.strip(),
        question=question.strip(),
        reviewers_per_record=reviewers_per_record,
        blind_screening=blind_screening,
        extractions_per_study=extractions_per_study,
        created_by=owner,
    )
    _validate(review)
    review.save()
    ReviewMembership.objects.create(review=review, user=owner, role=Role.OWNER, invited_by=owner)
    return review


@transaction.atomic
def review_update_settings(*, review: Review, **changes) -> Review:
    """Change a review's title, question or screening/extraction settings (owners only; checked by callers)."""
    unknown = set(changes) - set(REVIEW_SETTINGS)
    if unknown:
        raise ValidationError(f"Unknown review setting(s): {', '.join(sorted(unknown))}.")
    review = Review.objects.select_for_update().get(pk=review.pk)
    for name, value in changes.items():
        setattr(review, name, value.strip() if isinstance(value, str) else value)
    _validate(review)
    review.save()
    return review


def _find_user(identifier: str):
    identifier = identifier.strip()
    if not identifier:
        raise ValidationError({"user": "Give a username or an e-mail address."})
    matches = list(
        User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier), is_active=True)[:2]
    )
    if not matches:
        raise ValidationError({"user": f"No active user with the username or e-mail “{identifier}”."})
    if len(matches) > 1:
        raise ValidationError({"user": f"Several users match “{identifier}”; use the username."})
    return matches[0]


@transaction.atomic
def member_invite(*, review: Review, invited_by, user_identifier: str, role: str) -> ReviewMembership:
    """Add an existing user to the review with a role."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    user = _find_user(user_identifier)
    if ReviewMembership.objects.filter(review=review, user=user).exists():
        raise ValidationError({"user": f"{user.username} is already a member of this review."})
    return ReviewMembership.objects.create(review=review, user=user, role=role, invited_by=invited_by)


def _ensure_an_owner_remains(review: Review, leaving: ReviewMembership) -> None:
    # Lock the owners so two owners demoting each other at once cannot leave none.
    owners = list(
        ReviewMembership.objects.select_for_update()
        .filter(review=review, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    if owners == [leaving.pk]:
        raise ValidationError("A review needs at least one owner; make someone else owner first.")


@transaction.atomic
def member_change_role(*, membership: ReviewMembership, role: str) -> ReviewMembership:
    """Give a member another role, keeping at least one owner."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    if membership.role == Role.OWNER and role != Role.OWNER:
        _ensure_an_owner_remains(membership.review, membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, membership: ReviewMembership) -> None:
    """Remove a member from the review, keeping at least one owner."""
    if membership.role == Role.OWNER:
        _ensure_an_owner_remains(membership.review, membership)
    membership.delete()
