"""Imported reference files and the records they hold."""

from django.conf import settings
from django.db import models

from reviews.importing.records import link_href

from .review import Review


class SourceKind(models.TextChoices):
    """Where records came from, as the PRISMA 2020 flow diagram counts them."""

    DATABASE = "database", "Database"
    REGISTER = "register", "Register"
    WEBSITE = "website", "Website"
    ORGANISATION = "organisation", "Organisation"
    CITATION_SEARCH = "citation_search", "Citation searching"
    OTHER = "other", "Other method"

    @classmethod
    def identification_column(cls, kind: str) -> str:
        """PRISMA 2020 has two identification columns: databases and registers, and other methods."""
        return "databases" if kind in (cls.DATABASE, cls.REGISTER) else "other"


class SourceImport(models.Model):
    """One uploaded reference file and the job that reads it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="imports")
    source_name = models.CharField(
        max_length=200, help_text="e.g. MEDLINE (Ovid), Embase, ClinicalTrials.gov"
    )
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.DATABASE)
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    file_format = models.CharField(max_length=20, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    records_parsed = models.PositiveIntegerField(default=0)
    records_imported = models.PositiveIntegerField(default=0)
    duplicates_found = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{line, message}] per bad record")
    warnings = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True, help_text="Why the whole import failed, if it did")
    # Runs started by workers: a task redelivered after its worker died (out of memory, killed)
    # runs again, and this counter stops a file that kills every worker from looping for ever.
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    # Stamped every few seconds while a worker runs the job; a stale stamp tells the periodic sweep
    # that the worker is gone, so the job is restarted in minutes instead of after the broker's
    # visibility timeout (reviews/services/import_jobs.py).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["review", "status"], name="import_review_status")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.source_name})"

    @property
    def restarting(self) -> bool:
        """Queued again after a worker stopped in the middle of the job."""
        return self.status == self.Status.QUEUED and self.attempts > 0


class RecordStatus(models.TextChoices):
    """Where a record stands in the flow; kept on the record so lists and PRISMA counts are single queries."""

    DUPLICATE = "duplicate", "Duplicate removed"
    TITLE_ABSTRACT = "title_abstract", "Title/abstract screening"
    TA_CONFLICT = "ta_conflict", "Title/abstract conflict"
    TA_EXCLUDED = "ta_excluded", "Excluded at title/abstract"
    FULL_TEXT = "full_text", "Full-text screening"
    FT_CONFLICT = "ft_conflict", "Full-text conflict"
    NOT_RETRIEVED = "not_retrieved", "Report not retrieved"
    FT_EXCLUDED = "ft_excluded", "Excluded at full text"
    INCLUDED = "included", "Included"


class Record(models.Model):
    """One reference found by a search (a report, in PRISMA 2020's words)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="records")
    source_import = models.ForeignKey(
        SourceImport, on_delete=models.CASCADE, null=True, blank=True, related_name="records"
    )
    source_line = models.PositiveIntegerField(
        null=True, blank=True, help_text="Line of the file where it starts"
    )
    title = models.TextField(blank=True)
    abstract = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    journal = models.CharField(max_length=500, blank=True)
    volume = models.CharField(max_length=50, blank=True)
    issue = models.CharField(max_length=50, blank=True)
    pages = models.CharField(max_length=50, blank=True)
    doi = models.CharField(max_length=255, blank=True, db_index=True)
    pmid = models.CharField(max_length=20, blank=True, db_index=True)
    keywords = models.JSONField(default=list, blank=True)
    url = models.TextField(blank=True)
    reference_type = models.CharField(max_length=20, blank=True)
    # Lower-case title without accents or punctuation, for duplicate detection.
    normalised_title = models.TextField(blank=True)
    # Set when a reviewer confirms this record duplicates another; undone by unmerging.
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    # Change it only through services: moving a record into or out of a stage's queue must also go
    # through reviews.services.screening_progress.record_moved (reviewers' progress counts).
    status = models.CharField(
        max_length=20, choices=RecordStatus.choices, default=RecordStatus.TITLE_ABSTRACT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The queue of a stage in id order is a seek (next record); counts of a status are index-only.
            models.Index(fields=["review", "status", "id"], name="record_review_status_id"),
            # PRISMA counts per source and status read this index alone (index-only GROUP BY).
            models.Index(fields=["review", "source_import", "status"], name="record_review_source_status"),
            models.Index(fields=["review", "year"], name="record_review_year"),
        ]

    def __str__(self) -> str:
        return self.title[:80] or f"Record {self.pk}"

    def get_shown_status_display(self) -> str:
        """The label of ``shown_status`` (the status a member may see, set by the records selector)."""
        return RecordStatus(getattr(self, "shown_status", self.status)).label

    @property
    def link(self) -> str:
        """The record's URL as a safe link target ("" when it is no http(s) or DOI link)."""
        return link_href(self.url)

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""
