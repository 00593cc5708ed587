"""Downloads prepared by a worker (the reproducibility bundle, the review's XLSX), with progress.

The file is kept in the database (not on a local disk) because the worker that writes it and
the web process that serves it may run on different machines that share only PostgreSQL.
A job belongs to the member who asked for it: its content depends on what that member may see.
"""

from django.conf import settings
from django.db import models

from reviews.models import Review


class DownloadKind(models.TextChoices):
    BUNDLE = "bundle", "Reproducibility bundle (zip)"
    DATA_XLSX = "data_xlsx", "Extracted data (XLSX)"


class DownloadStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class DownloadJob(models.Model):
    """One request for a large download, its progress and, when done, the file."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="download_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=DownloadKind.choices)
    status = models.CharField(max_length=8, choices=DownloadStatus.choices, default=DownloadStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done")
    step = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    data_version = models.BigIntegerField(null=True, blank=True, help_text="The data version the file shows")
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "analysis_downloadjob"  # the model moved from analysis; its rows stayed
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["review", "requested_by", "created_at"], name="download_job_review_user")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="download_progress_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of review {self.review_id} ({self.status})"
