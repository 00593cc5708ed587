"""Reviews and the people who work on them."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Role(models.TextChoices):
    """What a member may do in a review; each role can do everything of the ones below it."""

    OWNER = "owner", "Owner"  # manages members and settings, adjudicates conflicts
    REVIEWER = "reviewer", "Reviewer"  # screens and extracts
    VIEWER = "viewer", "Viewer"  # reads results


# Higher rank, more rights.
ROLE_RANK = {Role.VIEWER: 1, Role.REVIEWER: 2, Role.OWNER: 3}


def role_at_least(role: str | None, min_role: str) -> bool:
    """Whether a member with ``role`` (None: not a member) may do what needs ``min_role``."""
    return role is not None and ROLE_RANK[Role(role)] >= ROLE_RANK[Role(min_role)]


def require_role_at_least(role: str | None, min_role: str) -> None:
    """PermissionDenied (403) unless ``role_at_least``; whether the review exists is checked before."""
    if not role_at_least(role, min_role):
        raise PermissionDenied(f"This needs the {Role(min_role).label.lower()} role in this review.")


class Review(models.Model):
    """A systematic review: one question, its team, its references, data and analyses."""

    title = models.CharField(max_length=300)
    question = models.TextField(blank=True, help_text="The review question, e.g. in PICO form.")
    reviewers_per_record = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="How many reviewers screen each record independently.",
    )
    blind_screening = models.BooleanField(
        default=True, help_text="Reviewers do not see each other's decisions until a record is resolved."
    )
    extractions_per_study = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(2)],
        help_text="Independent extractions per study (2 means dual extraction with consensus).",
    )
    # Bumped with F() in the same transaction as every change to data an analysis
    # uses; a stored result is current only if computed from this version.
    data_version = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reviewers_per_record__gte=1, reviewers_per_record__lte=5),
                name="review_reviewers_per_record_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(extractions_per_study__gte=1, extractions_per_study__lte=2),
                name="review_extractions_per_study_1_or_2",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReviewMembership(models.Model):
    """A user's place in a review's team."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="one_membership_per_user_and_review")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.review}"

    def has_at_least(self, role: str) -> bool:
        return role_at_least(self.role, role)
