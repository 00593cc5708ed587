"""Screening decisions, exclusion reasons, adjudications and PRISMA counts entered by hand."""

from django.conf import settings
from django.db import models

from .records import Record
from .review import Review


class Stage(models.TextChoices):
    TITLE_ABSTRACT = "title_abstract", "Title/abstract"
    FULL_TEXT = "full_text", "Full text"


class Decision(models.TextChoices):
    INCLUDE = "include", "Include"
    EXCLUDE = "exclude", "Exclude"
    MAYBE = "maybe", "Maybe"
    # Full text only: the report could not be obtained (its own PRISMA box).
    NOT_RETRIEVED = "not_retrieved", "Not retrieved"


class ExclusionReason(models.Model):
    """A reason for excluding a report at full text (or at title/abstract), from the review's list."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="exclusion_reasons")
    label = models.CharField(max_length=200)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.FULL_TEXT)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(
        default=True, help_text="Retired reasons stay on the decisions that used them"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "stage", "label"], name="unique_exclusion_reason_label")
        ]

    def __str__(self) -> str:
        return self.label


class ScreeningDecision(models.Model):
    """One reviewer's independent decision on one record at one stage."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="decisions")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    exclusion_reason = models.ForeignKey(
        ExclusionReason, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "stage", "reviewer"], name="one_decision_per_reviewer_stage"
            )
        ]
        indexes = [models.Index(fields=["reviewer", "stage", "record"], name="decision_reviewer_stage")]

    def __str__(self) -> str:
        return f"{self.reviewer_id} → {self.decision} on record {self.record_id} ({self.stage})"


class ScreeningProgress(models.Model):
    """One reviewer's running counts at one stage of a review, changed in the transaction of each change.

    ``decided``: my decisions at the stage; ``decided_waiting``: those on records still waiting at the
    stage. My progress is then two indexed reads whatever the review's size (records waiting minus
    ``decided_waiting`` are left for me). No row means no decision yet. Kept by
    ``reviews.services.screening_progress``; ``progress_recount`` rebuilds them from the decisions.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    decided = models.IntegerField(default=0)
    decided_waiting = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reviewer", "stage"], name="one_progress_per_reviewer_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} at {self.stage} in review {self.review_id}: {self.decided} decided"


class Adjudication(models.Model):
    """An owner's resolution of a conflict between reviewers: the final decision at a stage, logged."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="adjudications")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    exclusion_reason = models.ForeignKey(
        ExclusionReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["record", "stage"], name="one_adjudication_per_stage")]

    def __str__(self) -> str:
        return f"Adjudicated {self.decision} on record {self.record_id} ({self.stage})"


class PrismaManualCounts(models.Model):
    """PRISMA 2020 counts the tool cannot know, entered by an owner and shown as entered."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="prisma_manual_counts")
    duplicates_removed_before_import = models.PositiveIntegerField(default=0)
    removed_by_automation = models.PositiveIntegerField(default=0)
    removed_other_reasons = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"PRISMA counts entered for review {self.review_id}"


class ScreeningSettings(models.Model):
    """Per-review screening aids set by an owner: terms highlighted in titles and abstracts."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="screening_settings")
    # One term per line; a trailing * matches any ending ("random*" marks "randomised").
    include_terms = models.TextField(blank=True, help_text="Highlighted in green, one term per line")
    exclude_terms = models.TextField(blank=True, help_text="Highlighted in red, one term per line")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Screening settings of review {self.review_id}"
