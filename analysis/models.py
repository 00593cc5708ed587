"""Analysis definitions and their stored results, each tagged with the data version it was computed from.

A result is stored only if it is at least as new as the analysis's current one
(``Analysis.current_result``, moved under a row lock), so an old computation that
finishes late never replaces a newer one; see ``analysis.recompute.protocol``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from extraction.models import Outcome
from reviews.models import Review


class EffectMeasure(models.TextChoices):
    OR = "OR", "Odds ratio"
    RR = "RR", "Risk ratio"
    RD = "RD", "Risk difference"
    MD = "MD", "Mean difference"
    SMD = "SMD", "Standardised mean difference (Hedges' g)"
    PLO = "PLO", "Proportion (logit)"
    PR = "PR", "Proportion (raw)"
    PAS = "PAS", "Proportion (arcsine)"
    PFT = "PFT", "Proportion (Freeman-Tukey)"
    HR = "HR", "Hazard ratio"


class PoolingMethod(models.TextChoices):
    REML = "REML", "Random effects, REML"
    DL = "DL", "Random effects, DerSimonian-Laird"
    PM = "PM", "Random effects, Paule-Mandel"
    ML = "ML", "Random effects, maximum likelihood"
    HS = "HS", "Random effects, Hunter-Schmidt"
    SJ = "SJ", "Random effects, Sidik-Jonkman"
    HE = "HE", "Random effects, Hedges"
    EB = "EB", "Random effects, empirical Bayes"
    FE = "FE", "Fixed (common) effect, inverse variance"
    MH = "MH", "Fixed effect, Mantel-Haenszel"
    PETO = "PETO", "Fixed effect, Peto"


class ConfidenceMethod(models.TextChoices):
    Z = "z", "Normal (z)"
    KNHA = "knha", "Hartung-Knapp"


class HazardSource(models.TextChoices):
    PUBLISHED = "published", "Published estimates"
    IPD = "ipd", "Patient-level data"
    BOTH = "both", "Both (two-stage: patient-level trials with published ones)"


# Which measures fit which kind of outcome (extraction.models.OutcomeKind values).
MEASURES_BY_OUTCOME_KIND = {
    "dichotomous": ["OR", "RR", "RD"],
    "continuous": ["MD", "SMD"],
    "proportion": ["PLO", "PR", "PAS", "PFT"],
    "time_to_event": ["HR"],
}
DEFAULT_MEASURE = {"dichotomous": "OR", "continuous": "MD", "proportion": "PLO", "time_to_event": "HR"}


class Analysis(models.Model):
    """One meta-analysis of an outcome: what is pooled and how."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="analyses")
    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="analyses")
    name = models.CharField(max_length=200)
    measure = models.CharField(max_length=4, choices=EffectMeasure.choices)
    method = models.CharField(max_length=4, choices=PoolingMethod.choices, default=PoolingMethod.REML)
    confidence_method = models.CharField(
        max_length=4, choices=ConfidenceMethod.choices, default=ConfidenceMethod.Z
    )
    prediction_interval = models.BooleanField(default=True)
    subgroup = models.CharField(max_length=120, blank=True, help_text="A study or arm field's column")
    moderators = models.JSONField(default=list, blank=True, help_text="Columns for meta-regression")
    # Time to event only.
    hazard_source = models.CharField(
        max_length=9, choices=HazardSource.choices, default=HazardSource.PUBLISHED, blank=True
    )
    one_stage_cox = models.BooleanField(
        default=False, help_text="Also fit a Cox model stratified by trial on the patient-level data"
    )
    time_column = models.CharField(max_length=60, default="time", help_text="Patient-level time column")
    event_column = models.CharField(max_length=60, default="event", help_text="Patient-level event column")
    interaction_covariates = models.JSONField(
        default=list, blank=True, help_text="Covariates tested for interaction with treatment (one-stage Cox)"
    )
    is_default = models.BooleanField(default=False)
    # Bumped with F() whenever the definition changes, so a result of the old definition is stale.
    definition_version = models.PositiveIntegerField(default=1)
    current_result = models.ForeignKey(
        "AnalysisResult", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Attempts at the version being computed: a message redelivered again and again
    # (a worker killed by the OOM killer each time) is stopped after a bounded number.
    attempt_data_version = models.BigIntegerField(default=-1)
    attempt_definition_version = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["outcome__position", "outcome_id", "id"]
        verbose_name_plural = "analyses"
        constraints = [
            models.UniqueConstraint(fields=["review", "name"], name="unique_analysis_name_per_review"),
            models.CheckConstraint(condition=Q(attempts__gte=0), name="analysis_attempts_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class ResultStatus(models.TextChoices):
    OK = "ok", "Computed"
    FAILED = "failed", "Failed"


class AnalysisResult(models.Model):
    """The outcome of one computation of an analysis, from the data of one version (insert-only)."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="results")
    data_version = models.BigIntegerField()
    definition_version = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=ResultStatus.choices)
    error = models.TextField(blank=True)
    input_hash = models.CharField(max_length=64)
    input_rows = models.JSONField(default=dict)
    numbers = models.JSONField(default=dict)
    weights = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    duration_ms = models.FloatField(default=0)
    engine_version = models.CharField(max_length=20)
    worker = models.CharField(max_length=200, blank=True)
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["analysis", "data_version", "definition_version"], name="one_result_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.analysis} at data version {self.data_version} ({self.status})"


class OutcomeDefaults(models.Model):
    """Marks an outcome whose default analysis was made once, so a removed default stays removed."""

    outcome = models.OneToOneField(Outcome, on_delete=models.CASCADE, related_name="analysis_defaults")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "outcome defaults"

    def __str__(self) -> str:
        return f"Defaults made for {self.outcome}"
