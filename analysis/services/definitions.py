"""Adding, changing and removing analyses, and the default analysis of every outcome with data."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from analysis.models import (
    DEFAULT_MEASURE,
    MEASURES_BY_OUTCOME_KIND,
    Analysis,
    HazardSource,
    OutcomeDefaults,
)
from analysis.recompute.tasks import recompute_analysis as recompute_task
from core.queueing import enqueue_on_commit
from extraction.models import ExtractedValue, ExtractionKind, Outcome, OutcomeKind, PatientRecord
from reviews.models import Review

EDITABLE = (
    "name",
    "outcome",
    "measure",
    "method",
    "confidence_method",
    "prediction_interval",
    "subgroup",
    "moderators",
    "hazard_source",
    "one_stage_cox",
    "time_column",
    "event_column",
    "interaction_covariates",
)


def _clean_columns(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        raise ValidationError({"moderators": "Give a list of column names."})
    return [str(v).strip() for v in value if str(v).strip()]


def _validate(analysis: Analysis) -> None:
    kind = analysis.outcome.kind
    allowed = MEASURES_BY_OUTCOME_KIND[kind]
    if analysis.measure not in allowed:
        raise ValidationError(
            {
                "measure": f"A {analysis.outcome.get_kind_display().lower()} outcome takes {', '.join(allowed)}."
            }
        )
    if analysis.method in ("MH", "PETO"):
        if kind != OutcomeKind.DICHOTOMOUS:
            raise ValidationError({"method": "Mantel-Haenszel and Peto need events and totals per arm."})
        if analysis.method == "PETO" and analysis.measure != "OR":
            raise ValidationError({"method": "Peto's method gives an odds ratio only."})
        if analysis.confidence_method != "z":
            raise ValidationError({"confidence_method": "Hartung-Knapp applies to random-effects models."})
        if analysis.moderators:
            raise ValidationError({"moderators": "Meta-regression needs an inverse-variance method."})
    if kind != OutcomeKind.TIME_TO_EVENT:
        analysis.hazard_source = HazardSource.PUBLISHED
        analysis.one_stage_cox = False
        analysis.interaction_covariates = []
    elif analysis.hazard_source == HazardSource.PUBLISHED:
        analysis.one_stage_cox = False
        analysis.interaction_covariates = []
    if analysis.interaction_covariates and not analysis.one_stage_cox:
        raise ValidationError(
            {"interaction_covariates": "Interaction tests come with the one-stage Cox model."}
        )
    if not analysis.name.strip():
        raise ValidationError({"name": "Give the analysis a name."})
    analysis.full_clean(exclude=["review", "outcome", "current_result", "created_by"])


def _save(analysis: Analysis) -> None:
    try:
        with transaction.atomic():
            analysis.save()
    except IntegrityError:
        raise ValidationError({"name": "Another analysis of this review has that name."}) from None


@transaction.atomic
def analysis_create(*, review: Review, user, outcome: Outcome, name: str = "", **options) -> Analysis:
    """Add an analysis of one of the review's outcomes; the first result is computed by a worker."""
    if outcome.review_id != review.pk:
        raise ValidationError({"outcome": "That outcome is not part of this review."})
    analysis = Analysis(
        review=review,
        outcome=outcome,
        name=(name or f"{outcome}").strip()[:200],
        measure=options.pop("measure", None) or DEFAULT_MEASURE[outcome.kind],
        created_by=user,
    )
    for key, value in options.items():
        if key not in EDITABLE:
            raise ValidationError({key: "Not an option of an analysis."})
        setattr(analysis, key, value)
    analysis.moderators = _clean_columns(analysis.moderators)
    analysis.interaction_covariates = _clean_columns(analysis.interaction_covariates)
    _validate(analysis)
    _save(analysis)
    enqueue_on_commit(recompute_task, analysis.pk)
    return analysis


@transaction.atomic
def analysis_update(*, analysis: Analysis, user, **changes) -> Analysis:
    """Change an analysis's definition; its result becomes stale until recomputed."""
    locked = Analysis.objects.select_for_update().select_related("outcome").get(pk=analysis.pk)
    for key, value in changes.items():
        if key not in EDITABLE:
            raise ValidationError({key: "Not an option of an analysis."})
        if key == "outcome" and value.review_id != locked.review_id:
            raise ValidationError({"outcome": "That outcome is not part of this review."})
        setattr(locked, key, value)
    locked.moderators = _clean_columns(locked.moderators)
    locked.interaction_covariates = _clean_columns(locked.interaction_covariates)
    if "outcome" in changes and "measure" not in changes:
        if locked.measure not in MEASURES_BY_OUTCOME_KIND[locked.outcome.kind]:
            locked.measure = DEFAULT_MEASURE[locked.outcome.kind]
    _validate(locked)
    locked.is_default = False
    _save(locked)
    Analysis.objects.filter(pk=locked.pk).update(definition_version=F("definition_version") + 1)
    locked.refresh_from_db()
    enqueue_on_commit(recompute_task, locked.pk)
    return locked


@transaction.atomic
def analysis_delete(*, analysis: Analysis, user) -> None:
    """Remove an analysis and its results (its outcome's data stays)."""
    Analysis.objects.filter(pk=analysis.pk).update(current_result=None)
    analysis.delete()


def outcome_has_data(outcome: Outcome) -> bool:
    """Whether any final extraction holds a number of this outcome (or, for time to event, any patient)."""
    if ExtractedValue.objects.filter(
        outcome=outcome, extraction__kind=ExtractionKind.FINAL, value__isnull=False
    ).exists():
        return True
    return (
        outcome.kind == OutcomeKind.TIME_TO_EVENT
        and PatientRecord.objects.filter(study__review_id=outcome.review_id).exists()
    )


def default_options(outcome: Outcome) -> dict:
    """What a reviewer gets without asking: random effects, REML, a prediction interval, the usual measure."""
    options = {"measure": DEFAULT_MEASURE[outcome.kind], "method": "REML", "confidence_method": "z"}
    if outcome.kind == OutcomeKind.TIME_TO_EVENT:
        has_ipd = PatientRecord.objects.filter(study__review_id=outcome.review_id).exists()
        options["hazard_source"] = HazardSource.BOTH if has_ipd else HazardSource.PUBLISHED
        options["one_stage_cox"] = has_ipd
    return options


def default_analyses_create(*, review_id: int, outcome_ids=None) -> list[Analysis]:
    """Create the default analysis of each outcome that has data and never had one; returns the new ones."""
    created = []
    outcomes = Outcome.objects.filter(review_id=review_id, analysis_defaults__isnull=True)
    if outcome_ids is not None:
        outcomes = outcomes.filter(pk__in=list(outcome_ids))
    for outcome in outcomes.select_related("review"):
        if not outcome_has_data(outcome):
            continue
        with transaction.atomic():
            _, made = OutcomeDefaults.objects.get_or_create(outcome=outcome)
            if not made:
                continue  # another worker made it at the same moment
            name = str(outcome)[:200]
            if Analysis.objects.filter(review_id=review_id, name=name).exists():
                name = f"{name} (default)"[:200]
            try:
                analysis = analysis_create(
                    review=outcome.review, user=None, outcome=outcome, name=name, **default_options(outcome)
                )
            except ValidationError:
                continue
            Analysis.objects.filter(pk=analysis.pk).update(is_default=True)
            created.append(analysis)
    return created
