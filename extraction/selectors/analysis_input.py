"""What the analysis app reads: analysis-ready rows of one outcome, from FINAL values only.

FINAL values are the single extraction (one extraction per study) or the consensus
(two); extractors' own copies never reach an analysis. Rows use R metafor's column
names (see shared/reference/README.md):

- dichotomous: ``ai, n1i, ci, n2i`` (experimental events/total, control events/total)
- continuous: ``m1i, sd1i, n1i, m2i, sd2i, n2i``
- proportion: one row per arm: ``arm, arm_id, xi, ni`` plus the arm's own field values
- time to event (published): ``estimate, ci_lower, ci_upper`` (HR and its 95% CI),
  ``yi, sei`` (log HR and SE), ``o_minus_e, v`` (log-rank); missing forms are None and
  ``hr_source`` says which complete form the row has ("ci", "log_hr" or "logrank");
  also ``events1, total1, events2, total2`` per arm (the "O/N" of a forest plot)
- patient level (``ipd_rows``): one row per patient: ``arm, treatment, time, event`` and covariates

Every row carries ``study`` (label) and ``study_id``; two-arm rows also ``comparison_id``,
``experimental``, ``control``. Study-level form fields follow as extra columns named
after the field (lower case, ``_`` for other characters), for subgroups and meta-regression.
Two-arm outcomes compare the study's first comparison (made from its first two arms)
unless ``comparisons`` maps a study id to another comparison id (multi-arm studies).
"""

import re
from collections import defaultdict

from django.db.models import Prefetch, Q

from extraction.models import (
    Comparison,
    ExtractedValue,
    ExtractionField,
    ExtractionKind,
    FieldLevel,
    Outcome,
    OutcomeKind,
    PatientRecord,
    Study,
)
from reviews.models import Review

RESERVED = {
    "study", "study_id", "arm", "arm_id", "comparison_id", "experimental", "control", "ai", "n1i", "ci", "n2i",
    "m1i", "sd1i", "m2i", "sd2i", "xi", "ni", "estimate", "ci_lower", "ci_upper", "yi", "sei", "vi",
    "o_minus_e", "v", "hr_source", "events1", "total1", "events2", "total2", "treatment", "time", "event",
}  # fmt: skip


def data_version(*, review_id: int) -> int:
    """The review's current data version (results computed from an older one are stale)."""
    return Review.objects.filter(pk=review_id).values_list("data_version", flat=True).get()


def column_name(name: str) -> str:
    """A form field's name as a column: lower case, other characters as ``_``; prefixed if it clashes."""
    column = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or "field"
    return f"field_{column}" if column in RESERVED or column[0].isdigit() else column


def _final_values(review_id: int, outcome_id: int | None):
    """{study_id: {cell: value}} of the FINAL extractions, for one outcome's cells and all field cells."""
    values = ExtractedValue.objects.filter(
        extraction__study__review_id=review_id, extraction__kind=ExtractionKind.FINAL, value__isnull=False
    )
    if outcome_id is not None:
        values = values.filter(Q(outcome_id=outcome_id) | Q(field__isnull=False))
    by_study = defaultdict(dict)
    for study_id, cell, value in values.values_list("extraction__study_id", "cell", "value"):
        by_study[study_id][cell] = value
    return by_study


def _study_columns(fields, values: dict) -> dict:
    return {column_name(f.name): values.get(f"f{f.pk}") for f in fields if f.level == FieldLevel.STUDY}


def _arm_columns(fields, values: dict, arm_id: int) -> dict:
    return {
        column_name(f.name): values.get(f"f{f.pk}:a{arm_id}") for f in fields if f.level == FieldLevel.ARM
    }


def _chosen_comparison(study: Study, comparisons: dict | None) -> Comparison | None:
    chosen = (comparisons or {}).get(study.pk)
    options = list(study.comparisons.all())
    if chosen is not None:
        return next((c for c in options if c.pk == int(chosen)), None)
    return options[0] if options else None


def analysis_rows(
    *,
    review_id: int,
    outcome_id: int,
    comparisons: dict | None = None,
    include_incomplete=False,
    outcome: Outcome | None = None,
):
    """The analysis-ready rows of one outcome (see the module docstring); incomplete rows left out by default.

    ``outcome``: the outcome already loaded (a recompute task has it), saving a query.
    """
    if outcome is None or outcome.pk != outcome_id or outcome.review_id != review_id:
        outcome = Outcome.objects.get(review_id=review_id, pk=outcome_id)
    fields = list(ExtractionField.objects.filter(review_id=review_id))
    values = _final_values(review_id, outcome.pk)
    # Few queries: a recompute task runs this on every edit, and each round trip counts on a busy server.
    arm_sides = Prefetch("comparisons", Comparison.objects.select_related("experimental", "control"))
    related = ["arms", arm_sides] if outcome.kind == OutcomeKind.PROPORTION else [arm_sides]
    studies = Study.objects.filter(review_id=review_id).prefetch_related(*related).order_by("label", "id")
    rows = []
    for study in studies:
        found = values.get(study.pk, {})
        base = {"study": study.label, "study_id": study.pk}
        if outcome.kind == OutcomeKind.PROPORTION:
            for arm in study.arms.all():
                xi, ni = (
                    found.get(f"o{outcome.pk}:a{arm.pk}:responders"),
                    found.get(f"o{outcome.pk}:a{arm.pk}:n"),
                )
                row = {**base, "arm": arm.label, "arm_id": arm.pk, "xi": xi, "ni": ni}
                row.update(_study_columns(fields, found))
                row.update(_arm_columns(fields, found, arm.pk))
                if include_incomplete or (xi is not None and ni is not None):
                    rows.append(row)
            continue
        comparison = _chosen_comparison(study, comparisons)
        if comparison is None:
            continue
        row = {
            **base,
            "comparison_id": comparison.pk,
            "experimental": comparison.experimental.label,
            "control": comparison.control.label,
        }
        numbers, complete = _two_arm_numbers(outcome, comparison, found)
        row.update(numbers)
        row.update(_study_columns(fields, found))
        if include_incomplete or complete:
            rows.append(row)
    return rows


def _two_arm_numbers(outcome: Outcome, comparison: Comparison, found: dict) -> tuple[dict, bool]:
    def arm(arm_id, key):
        return found.get(f"o{outcome.pk}:a{arm_id}:{key}")

    e, c = comparison.experimental_id, comparison.control_id
    if outcome.kind == OutcomeKind.DICHOTOMOUS:
        numbers = {
            "ai": arm(e, "events"),
            "n1i": arm(e, "total"),
            "ci": arm(c, "events"),
            "n2i": arm(c, "total"),
        }
        return numbers, None not in numbers.values()
    if outcome.kind == OutcomeKind.CONTINUOUS:
        numbers = {
            "m1i": arm(e, "mean"), "sd1i": arm(e, "sd"), "n1i": arm(e, "n"),
            "m2i": arm(c, "mean"), "sd2i": arm(c, "sd"), "n2i": arm(c, "n"),
        }  # fmt: skip
        return numbers, None not in numbers.values()

    def contrast(key):
        return found.get(f"o{outcome.pk}:c{comparison.pk}:{key}")

    numbers = {
        "estimate": contrast("hr"), "ci_lower": contrast("hr_lower"), "ci_upper": contrast("hr_upper"),
        "yi": contrast("log_hr"), "sei": contrast("se_log_hr"),
        "o_minus_e": contrast("o_minus_e"), "v": contrast("v"),
        "events1": arm(e, "events"), "total1": arm(e, "total"), "events2": arm(c, "events"), "total2": arm(c, "total"),
    }  # fmt: skip
    forms = {
        "ci": ("estimate", "ci_lower", "ci_upper"),
        "log_hr": ("yi", "sei"),
        "logrank": ("o_minus_e", "v"),
    }
    numbers["hr_source"] = next(
        (name for name, keys in forms.items() if all(numbers[k] is not None for k in keys)), None
    )
    return numbers, numbers["hr_source"] is not None


def ipd_rows(*, review_id: int, study_ids=None) -> list[dict]:
    """One row per patient of the review's patient-level data: study, arm, treatment, time, event, covariates."""
    fields = list(ExtractionField.objects.filter(review_id=review_id, level=FieldLevel.STUDY))
    values = _final_values(review_id, None)
    patients = PatientRecord.objects.filter(study__review_id=review_id).select_related("study", "arm")
    if study_ids is not None:
        patients = patients.filter(study_id__in=list(study_ids))
    rows = []
    for patient in patients.order_by("study__label", "study_id", "line").iterator(chunk_size=5000):
        row = {
            "study": patient.study.label,
            "study_id": patient.study_id,
            "arm": patient.arm.label,
            "arm_id": patient.arm_id,
            "treatment": patient.arm.label,
            "time": patient.time,
            "event": patient.event,
        }
        row.update({column_name(k): v for k, v in patient.covariates.items()})
        row.update(_study_columns(fields, values.get(patient.study_id, {})))
        rows.append(row)
    return rows
