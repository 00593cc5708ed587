"""From an analysis definition to its input rows and to the engine's numbers (no writes here)."""

import hashlib
import json
from collections import Counter

from analysis import engine
from analysis.models import Analysis, HazardSource
from extraction.models import Comparison, OutcomeKind
from extraction.selectors import analysis_input

PUBLISHED_HR_COLUMNS = {
    "ci": ("estimate", "ci_lower", "ci_upper"),
    "log_hr": ("yi", "sei"),
    "logrank": ("o_minus_e", "v"),
}
LEVEL = 95.0


def gather_input(analysis: Analysis) -> dict:
    """The rows an analysis reads: ``rows`` (per study or arm) and, for patient-level analyses, ``patients``."""
    rows = analysis_input.analysis_rows(
        review_id=analysis.review_id, outcome_id=analysis.outcome_id, outcome=analysis.outcome
    )
    bundle = {"rows": rows}
    if (
        analysis.outcome.kind == OutcomeKind.TIME_TO_EVENT
        and analysis.hazard_source != HazardSource.PUBLISHED
    ):
        bundle["patients"] = patient_rows(analysis.review_id)
    return bundle


def patient_rows(review_id: int) -> list[dict]:
    """Patients with ``treatment`` as experimental/control from each study's first comparison."""
    roles = {}
    for comparison in Comparison.objects.filter(study__review_id=review_id).order_by(
        "study_id", "position", "id"
    ):
        roles.setdefault(
            comparison.study_id,
            {comparison.experimental_id: "experimental", comparison.control_id: "control"},
        )
    patients = analysis_input.ipd_rows(review_id=review_id)
    for row in patients:
        row["treatment"] = roles.get(row["study_id"], {}).get(row["arm_id"])
    return patients


def input_hash(bundle: dict, definition: dict) -> str:
    """A stable hash of the input rows and the definition they were analysed with."""
    text = json.dumps({"input": bundle, "definition": definition}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def definition_of(analysis: Analysis) -> dict:
    return {
        "outcome_id": analysis.outcome_id,
        "measure": analysis.measure,
        "method": analysis.method,
        "test": analysis.confidence_method,
        "prediction_interval": analysis.prediction_interval,
        "subgroup": analysis.subgroup or None,
        "moderators": list(analysis.moderators or []),
        "hazard_source": analysis.hazard_source,
        "one_stage_cox": analysis.one_stage_cox,
        "time_column": analysis.time_column,
        "event_column": analysis.event_column,
        "interaction_covariates": list(analysis.interaction_covariates or []),
    }


def compute(analysis: Analysis, bundle: dict) -> dict:
    """Run the engine on the gathered rows; EngineError (InputError, ConvergenceError) when it cannot."""
    kind = analysis.outcome.kind
    if kind == OutcomeKind.TIME_TO_EVENT and analysis.hazard_source != HazardSource.PUBLISHED:
        return _time_to_event_ipd(analysis, bundle)
    rows = engine_rows(kind, bundle["rows"])
    if kind == OutcomeKind.TIME_TO_EVENT:
        rows = published_hr_rows(rows)
    if not rows:
        raise engine.InputError("no study has complete data for this outcome yet")
    return _pooled(analysis, rows, "HR" if kind == OutcomeKind.TIME_TO_EVENT else analysis.measure)


def _pooled(analysis: Analysis, rows: list[dict], measure: str) -> dict:
    options = {
        "measure": measure,
        "method": analysis.method,
        "test": analysis.confidence_method,
        "subgroup": analysis.subgroup or None,
        "mods": list(analysis.moderators or []) or None,
        "level": LEVEL,
    }
    # Egger's test on each analysis that can have one; the engine says when it is not applicable.
    want_egger = analysis.method not in ("MH", "PETO")
    return engine.run_pooled_analysis(rows, egger=want_egger, **options)


def engine_rows(kind: str, rows: list[dict]) -> list[dict]:
    """The selector's rows as the engine reads them: one unique label per row."""
    if kind != OutcomeKind.PROPORTION:
        return [dict(row) for row in rows]
    arms_per_study = Counter(row["study_id"] for row in rows)
    return [
        {
            **row,
            "study": f"{row['study']}, {row['arm']}" if arms_per_study[row["study_id"]] > 1 else row["study"],
        }
        for row in rows
    ]


def published_hr_rows(rows: list[dict], exclude_study_ids=()) -> list[dict]:
    """Published hazard ratios as log HR and SE rows (each study's own complete form, converted by the engine)."""
    by_form: dict[str, list[dict]] = {}
    for row in rows:
        if row.get("study_id") in exclude_study_ids or not row.get("hr_source"):
            continue
        by_form.setdefault(row["hr_source"], []).append(row)
    converted = []
    for form, group in by_form.items():
        columns = PUBLISHED_HR_COLUMNS[form]
        effects = engine.compute_effect_sizes(
            [{"study": r["study"], **{c: r[c] for c in columns}} for r in group], "HR"
        )
        for row, yi, vi in zip(group, effects.yi, effects.vi, strict=True):
            converted.append({**row, "yi": float(yi), "sei": float(vi) ** 0.5, "hr_form": form})
    converted.sort(key=lambda r: (r["study"], r["study_id"]))
    return [
        {
            k: v
            for k, v in row.items()
            if k not in ("estimate", "ci_lower", "ci_upper", "o_minus_e", "v", "vi")
        }
        for row in converted
    ]


def _time_to_event_ipd(analysis: Analysis, bundle: dict) -> dict:
    import pandas as pd  # only patient-level analyses need it

    patients = [p for p in bundle.get("patients", []) if p.get("treatment")]
    if not patients:
        raise engine.InputError("no patient-level data with an experimental and a control arm yet")
    frame = pd.DataFrame(patients)
    time, event = analysis.time_column or "time", analysis.event_column or "event"
    ipd_study_ids = {p["study_id"] for p in patients}
    published = []
    if analysis.hazard_source == HazardSource.BOTH:
        published = [
            {"study": r["study"], "yi": r["yi"], "sei": r["sei"]}
            for r in published_hr_rows(bundle["rows"], exclude_study_ids=ipd_study_ids)
        ]
    result = engine.two_stage(
        frame,
        time=time,
        event=event,
        treatment="treatment",
        control="control",
        trial="study",
        published=published,
        method=analysis.method,
        test=analysis.confidence_method,
    )
    result.setdefault("warnings", [])
    if analysis.one_stage_cox:
        result["one_stage"] = engine.json_safe(
            engine.analyse_ipd(
                frame, time=time, event=event, treatment="treatment", control="control", strata="study"
            )
        )
        interactions = []
        for covariate in analysis.interaction_covariates or []:
            try:
                fit = engine.analyse_ipd(
                    frame,
                    time=time,
                    event=event,
                    treatment="treatment",
                    control="control",
                    strata="study",
                    interaction=covariate,
                )
                interactions.append(engine.json_safe(fit["interaction"]))
            except Exception as error:  # one covariate's test must not take the analysis down
                reason = (
                    str(error)
                    if isinstance(error, engine.EngineError)
                    else f"{type(error).__name__}: {error}"
                )
                interactions.append({"covariate": covariate, "error": reason})
        result["interactions"] = interactions
    return engine.json_safe(result)


def study_weights(numbers: dict) -> list[dict]:
    """Per-study weights (percent) from the engine's study rows."""
    return [
        {"study": row.study, "weight": row.weight} for row in engine.PooledResult.from_json(numbers).studies
    ]
