"""A review's extracted data as tables, its PRISMA counts and its screening decisions.

Tables (one CSV each in the zip, one sheet each in the XLSX):

- ``studies``: one row per study, with the FINAL value of every study-level form field;
- ``arms``: one row per arm, with the FINAL value of every arm-level form field;
- ``comparisons``, ``outcomes``, ``fields``: the structure;
- ``final_values``: every FINAL value (the single extraction, or the consensus of two), long;
- ``extractor_values``: each extractor's own copy, long; blind as the pages are: another
  extractor's copy appears only once both copies of the study are done;
- ``patients``: patient-level data, one row per patient, covariates as columns.

Reads only; every query is scoped to the one review the caller got through ``review_for_user``.
"""

from __future__ import annotations

from collections import defaultdict

from extraction.models import (
    Arm,
    Comparison,
    ExtractedValue,
    Extraction,
    ExtractionField,
    ExtractionKind,
    FieldLevel,
    Outcome,
    PatientRecord,
    Study,
)
from extraction.selectors.access import may_see_extraction
from reviews.models import Adjudication, Review, ScreeningDecision

from . import tabular

TABLES = (
    "studies",
    "arms",
    "comparisons",
    "outcomes",
    "fields",
    "final_values",
    "extractor_values",
    "patients",
)


def _value_rows(values, *, fields, outcomes, arms, comparisons, extra) -> list[dict]:
    rows = []
    for value in values:
        study = value.extraction.study
        field = fields.get(value.field_id)
        outcome = outcomes.get(value.outcome_id)
        arm = arms.get(value.arm_id)
        comparison = comparisons.get(value.comparison_id)
        rows.append(
            {
                "study_id": study.pk,
                "study": study.label,
                **extra(value.extraction),
                "cell": value.cell,
                "field": field.name if field else None,
                "outcome_id": value.outcome_id,
                "outcome": outcome.name if outcome else None,
                "time_point": outcome.time_point if outcome else None,
                "arm": arm.label if arm else None,
                "comparison": str(comparison) if comparison else None,
                "key": value.key or None,
                "value": value.value,
                "entered_as": (value.source or {}).get("entered") if isinstance(value.source, dict) else None,
                "version": value.version,
                "updated_by": value.updated_by.username if value.updated_by_id else None,
                "updated_at": value.updated_at.isoformat(),
            }
        )
    return rows


def review_tables(*, review: Review, user, membership) -> dict[str, list[dict]]:
    """Every table of the review's extracted data (see the module docstring), for this user."""
    fields = {f.pk: f for f in ExtractionField.objects.filter(review=review)}
    outcomes = {o.pk: o for o in Outcome.objects.filter(review=review)}
    studies = list(Study.objects.filter(review=review).prefetch_related("records").order_by("label", "id"))
    arms = {a.pk: a for a in Arm.objects.filter(study__review=review).select_related("study")}
    comparisons = {
        c.pk: c
        for c in Comparison.objects.filter(study__review=review).select_related(
            "study", "experimental", "control"
        )
    }
    values = list(
        ExtractedValue.objects.filter(extraction__study__review=review)
        .select_related("extraction__study", "extraction__extractor", "updated_by")
        .order_by("extraction__study__label", "extraction__study_id", "extraction_id", "cell")
    )
    final = [v for v in values if v.extraction.kind == ExtractionKind.FINAL]
    final_by_cell = defaultdict(dict)
    for value in final:
        final_by_cell[value.extraction.study_id][value.cell] = value.value
    study_fields = [f for f in fields.values() if f.level == FieldLevel.STUDY]
    arm_fields = [f for f in fields.values() if f.level == FieldLevel.ARM]
    dual = review.extractions_per_study == 2
    lookups = {"fields": fields, "outcomes": outcomes, "arms": arms, "comparisons": comparisons}

    visible: dict[int, bool] = {}
    for extraction in Extraction.objects.filter(
        study__review=review, kind=ExtractionKind.INDEPENDENT
    ).select_related("study"):
        visible[extraction.pk] = may_see_extraction(extraction=extraction, user=user, membership=membership)
    independent = [
        v for v in values if v.extraction.kind == ExtractionKind.INDEPENDENT and visible.get(v.extraction_id)
    ]

    return {
        "studies": [
            {
                "study_id": s.pk,
                "study": s.label,
                "record_ids": ", ".join(str(r.pk) for r in s.records.all()),
                **{f.name: final_by_cell[s.pk].get(f"f{f.pk}") for f in study_fields},
            }
            for s in studies
        ],
        "arms": [
            {
                "study_id": a.study_id,
                "study": a.study.label,
                "arm_id": a.pk,
                "arm": a.label,
                "intervention": a.intervention,
                "dose": a.dose,
                "n_randomised": a.n_randomised,
                **{f.name: final_by_cell[a.study_id].get(f"f{f.pk}:a{a.pk}") for f in arm_fields},
            }
            for a in sorted(arms.values(), key=lambda a: (a.study.label, a.study_id, a.position, a.pk))
        ],
        "comparisons": [
            {
                "study_id": c.study_id,
                "study": c.study.label,
                "comparison_id": c.pk,
                "experimental": c.experimental.label,
                "control": c.control.label,
                "position": c.position,
            }
            for c in sorted(comparisons.values(), key=lambda c: (c.study.label, c.study_id, c.position, c.pk))
        ],
        "outcomes": [
            {"outcome_id": o.pk, "outcome": o.name, "kind": o.kind, "time_point": o.time_point}
            for o in outcomes.values()
        ],
        "fields": [
            {
                "field_id": f.pk,
                "field": f.name,
                "level": f.level,
                "kind": f.kind,
                "unit": f.unit,
                "choices": f.choices,
                "required": f.required,
            }
            for f in fields.values()
        ],
        "final_values": _value_rows(
            final, **lookups, extra=lambda e: {"extraction": "consensus" if dual else "final"}
        ),
        "extractor_values": _value_rows(
            independent,
            **lookups,
            extra=lambda e: {"extractor": e.extractor.username, "status": e.status},
        ),
        "patients": _patient_rows(review),
    }


def _patient_rows(review: Review) -> list[dict]:
    rows = []
    patients = (
        PatientRecord.objects.filter(study__review=review)
        .select_related("study", "arm")
        .order_by("study__label", "study_id", "line")
    )
    for patient in patients.iterator(chunk_size=5000):
        rows.append(
            {
                "study_id": patient.study_id,
                "study": patient.study.label,
                "arm": patient.arm.label,
                "line": patient.line,
                "time": patient.time,
                "event": patient.event,
                **patient.covariates,
            }
        )
    return rows


def data_zip(tables: dict[str, list[dict]], *, readme: str) -> bytes:
    """The tables as one CSV each, in a zip with a short README."""
    files = {"README.txt": readme}
    files.update({f"{name}.csv": tabular.csv_bytes(rows) for name, rows in tables.items()})
    return tabular.zip_bytes(files)


def data_xlsx(tables: dict[str, list[dict]]) -> bytes:
    """The tables as one sheet each."""
    return tabular.xlsx_bytes(tables)


def data_readme(review: Review) -> str:
    return (
        f"Extracted data of review {review.pk}: {review.title}\n"
        f"Data version {review.data_version}.\n\n"
        "studies.csv, arms.csv: one row per study / arm with the final value of each form field.\n"
        "final_values.csv: every final value (the consensus when two people extract each study).\n"
        "extractor_values.csv: each extractor's own values (another extractor's copy only once both are done).\n"
        "patients.csv: patient-level data. Text cells that a spreadsheet would run as a formula start with '.\n"
    )


# ---- screening and PRISMA --------------------------------------------------------------------


def screening_rows(*, review: Review) -> list[dict]:
    """Every reviewer's decision and every adjudication, with reasons and notes (owners only)."""
    rows = [
        {
            "record_id": d.record_id,
            "title": d.record.title,
            "stage": d.stage,
            "source": "reviewer",
            "person": d.reviewer.username,
            "decision": d.decision,
            "exclusion_reason": d.exclusion_reason.label if d.exclusion_reason_id else None,
            "note": d.note,
            "decided_at": d.updated_at.isoformat(),
        }
        for d in ScreeningDecision.objects.filter(record__review=review)
        .select_related("record", "reviewer", "exclusion_reason")
        .order_by("record_id", "stage", "id")
    ]
    rows += [
        {
            "record_id": a.record_id,
            "title": a.record.title,
            "stage": a.stage,
            "source": "adjudication",
            "person": a.decided_by.username,
            "decision": a.decision,
            "exclusion_reason": a.exclusion_reason.label if a.exclusion_reason_id else None,
            "note": a.note,
            "decided_at": a.created_at.isoformat(),
        }
        for a in Adjudication.objects.filter(record__review=review)
        .select_related("record", "decided_by", "exclusion_reason")
        .order_by("record_id", "stage")
    ]
    rows.sort(key=lambda r: (r["record_id"], r["stage"], r["source"] == "adjudication"))
    return rows


def prisma_rows(counts: dict) -> list[dict]:
    """The PRISMA 2020 counts as (column, box, count) rows, reasons and sources included."""
    rows = []
    for column in ("databases", "other"):
        boxes = counts.get(column) or {}
        for key, value in boxes.items():
            if isinstance(value, int):
                rows.append({"column": column, "box": key, "detail": None, "count": value})
        for source in boxes.get("sources") or []:
            rows.append(
                {"column": column, "box": "source", "detail": source["name"], "count": source["records"]}
            )
        for reason in boxes.get("exclusion_reasons") or []:
            rows.append(
                {
                    "column": column,
                    "box": "reports_excluded_reason",
                    "detail": reason["reason"],
                    "count": reason["reports"],
                }
            )
    for key, value in (counts.get("removed_before_screening") or {}).items():
        rows.append({"column": "removed_before_screening", "box": key, "detail": None, "count": value})
    for key in ("reports_included", "studies_included"):
        rows.append({"column": "included", "box": key, "detail": None, "count": counts.get(key)})
    for stage, n in (counts.get("conflicts") or {}).items():
        rows.append({"column": "conflicts", "box": stage, "detail": None, "count": n})
    return rows
