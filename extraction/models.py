"""Studies, arms, outcomes, the review's extraction form, extracted values, consensus and IPD.

Structure (studies, arms, comparisons, outcomes, form fields) is shared by the
team. Values live in an ``Extraction``: with one extraction per study the team
shares the study's FINAL extraction; with two, each extractor has an
INDEPENDENT one and the FINAL extraction is the consensus. Only FINAL values
feed analyses. Every value carries a ``version`` for optimistic concurrency.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from reviews.models import Record, Review


class FieldLevel(models.TextChoices):
    STUDY = "study", "Study"
    ARM = "arm", "Arm"


class FieldKind(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    CHOICE = "choice", "Choice"
    YES_NO = "yes_no", "Yes/no"


class ExtractionField(models.Model):
    """A characteristic the review extracts for each study or each arm (the review's own form)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="extraction_fields")
    level = models.CharField(max_length=8, choices=FieldLevel.choices, default=FieldLevel.STUDY)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=FieldKind.choices, default=FieldKind.TEXT)
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values of a choice field")
    unit = models.CharField(max_length=40, blank=True)
    required = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["level", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "level", "name"], name="unique_field_name_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display().lower()})"


class OutcomeKind(models.TextChoices):
    DICHOTOMOUS = "dichotomous", "Dichotomous (events / total)"
    CONTINUOUS = "continuous", "Continuous (mean, SD, n)"
    PROPORTION = "proportion", "Single-arm proportion (responders / n)"
    TIME_TO_EVENT = "time_to_event", "Time to event (HR per comparison)"


class Outcome(models.Model):
    """An outcome the review extracts from every study, with its type and time point."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="outcomes")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=OutcomeKind.choices)
    time_point = models.CharField(max_length=100, blank=True, help_text="e.g. 12 months, end of treatment")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "name", "time_point"], name="unique_outcome_time_point")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.time_point})" if self.time_point else self.name


class Study(models.Model):
    """An included study; several reports (records) can describe the same study."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="studies")
    label = models.CharField(max_length=200, help_text="e.g. Aronson 1948")
    records = models.ManyToManyField(Record, blank=True, related_name="studies")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label", "id"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.label


class Arm(models.Model):
    """One arm of a study; shared by every extraction of the study."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="arms")
    label = models.CharField(max_length=120)
    intervention = models.CharField(max_length=300, blank=True)
    dose = models.CharField(max_length=120, blank=True)
    n_randomised = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["study", "label"], name="unique_arm_label_per_study")]

    def __str__(self) -> str:
        return self.label


class Comparison(models.Model):
    """Which arm is experimental and which control, for two-arm outcomes (the first one is the default)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="comparisons")
    experimental = models.ForeignKey(Arm, on_delete=models.CASCADE, related_name="+")
    control = models.ForeignKey(Arm, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "experimental", "control"], name="unique_comparison"),
            models.CheckConstraint(
                condition=~Q(experimental=models.F("control")), name="comparison_two_arms"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.experimental} vs {self.control}"


class ExtractionKind(models.TextChoices):
    FINAL = "final", "Final"  # the single extraction, or the consensus of two
    INDEPENDENT = "independent", "Independent"  # one extractor's own copy (dual extraction)


class ExtractionStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class Extraction(models.Model):
    """One copy of a study's values: an extractor's own, or the final (single or consensus) one."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="extractions")
    kind = models.CharField(max_length=12, choices=ExtractionKind.choices)
    extractor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=ExtractionStatus.choices, default=ExtractionStatus.IN_PROGRESS
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["study"], condition=Q(kind="final"), name="one_final_extraction_per_study"
            ),
            models.UniqueConstraint(
                fields=["study", "extractor"],
                condition=Q(kind="independent"),
                name="one_independent_extraction_per_extractor",
            ),
            models.CheckConstraint(
                condition=Q(kind="final", extractor__isnull=True)
                | Q(kind="independent", extractor__isnull=False),
                name="independent_extraction_has_extractor",
            ),
        ]

    def __str__(self) -> str:
        who = f" by {self.extractor}" if self.extractor_id else ""
        return f"{self.get_kind_display()} extraction of {self.study}{who}"


class ExtractedValue(models.Model):
    """One cell of an extraction: a field, an arm's outcome number, or a comparison's estimate.

    ``cell`` names the cell uniquely inside the extraction (see ``extraction.cells``),
    so a unique constraint works without nullable columns in it.
    """

    extraction = models.ForeignKey(Extraction, on_delete=models.CASCADE, related_name="values")
    cell = models.CharField(max_length=80)
    field = models.ForeignKey(
        ExtractionField, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    arm = models.ForeignKey(Arm, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    comparison = models.ForeignKey(
        Comparison, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=20, blank=True, help_text="events, total, mean, sd, n, hr, …")
    value = models.JSONField(null=True, blank=True)
    # How the value was entered when it was converted (SD from SE or a CI), with the formula.
    source = models.JSONField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["extraction", "cell"], name="one_value_per_cell")]
        indexes = [models.Index(fields=["outcome", "extraction"], name="value_outcome_extraction")]

    def __str__(self) -> str:
        return f"{self.cell} = {self.value!r} (v{self.version})"


class PatientRecord(models.Model):
    """One patient of a study's individual patient data, from an uploaded CSV."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="patients")
    arm = models.ForeignKey(Arm, on_delete=models.CASCADE, related_name="patients")
    line = models.PositiveIntegerField(help_text="Line of the uploaded file")
    time = models.FloatField()
    event = models.PositiveSmallIntegerField()
    covariates = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["study", "line"]
        constraints = [
            models.CheckConstraint(condition=Q(time__gte=0), name="patient_time_not_negative"),
            models.CheckConstraint(condition=Q(event__in=[0, 1]), name="patient_event_0_or_1"),
        ]

    def __str__(self) -> str:
        return f"Patient on line {self.line} of study {self.study_id}"


class ChangeLog(models.Model):
    """Every change to a study's data: who, when, what, the old and the new value."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="extraction_changes")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, null=True, blank=True, related_name="changes")
    extraction = models.ForeignKey(
        Extraction, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    cell = models.CharField(max_length=80, blank=True)
    what = models.CharField(max_length=300)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["study", "created_at"], name="change_study_created")]

    def __str__(self) -> str:
        return f"{self.what}: {self.old_value!r} → {self.new_value!r}"
