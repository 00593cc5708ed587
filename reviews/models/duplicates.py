"""Duplicate candidates between records and the log of merges."""

from django.conf import settings
from django.db import models

from .records import Record
from .review import Review


class DuplicateCandidate(models.Model):
    """Two records that may be the same report, found automatically, decided by a reviewer."""

    class Reason(models.TextChoices):
        DOI = "doi", "Same DOI"
        PMID = "pmid", "Same PubMed ID"
        TITLE_YEAR_AUTHOR = "title+year+author", "Near-identical title, same year and first author"

    class Status(models.TextChoices):
        PENDING = "pending", "To decide"
        CONFIRMED = "confirmed", "Duplicate (merged)"
        REJECTED = "rejected", "Not a duplicate"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="duplicate_candidates")
    # record_a is the older record (kept on merge), record_b the newer one.
    record_a = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    record_b = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    score = models.FloatField(help_text="1.0 for identifiers; title similarity 0–1 otherwise")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="one_candidate_per_record_pair"),
            models.CheckConstraint(
                condition=models.Q(record_a__lt=models.F("record_b")), name="candidate_a_before_b"
            ),
        ]
        indexes = [models.Index(fields=["review", "status"], name="duplicate_review_status")]

    def __str__(self) -> str:
        return f"{self.record_a_id} ~ {self.record_b_id} ({self.reason}, {self.score:.2f})"


class DuplicateMergeLog(models.Model):
    """Every merge, unmerge and rejection, so a merge can be undone and audited."""

    class Action(models.TextChoices):
        MERGE = "merge", "Merged"
        UNMERGE = "unmerge", "Unmerged"
        REJECT = "reject", "Marked not duplicate"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="duplicate_log")
    candidate = models.ForeignKey(DuplicateCandidate, on_delete=models.CASCADE, related_name="log")
    action = models.CharField(max_length=10, choices=Action.choices)
    kept_record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    removed_record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The removed record's status before a merge, so unmerging puts it back where it was
    # (blank when the merge changed no record: both were already in the same group).
    previous_status = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: kept {self.kept_record_id}, removed {self.removed_record_id}"
