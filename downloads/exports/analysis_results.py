"""One analysis's stored result as tables (CSV/XLSX), JSON and figures (SVG/PNG).

Only a CURRENT result is exported: one computed from the review's present data version and
the analysis's present definition. A result that is older than the data (the analysis is
recomputing) or failed is refused with ``NotExportable`` and a message that says why, so a
stale number never leaves the platform looking current. Every file name carries the data
version it was computed from (``...-v12.csv``).
"""

from __future__ import annotations

import json

from django.utils.text import slugify

from analysis import selectors
from analysis.engine import MIN_STUDIES_FOR_SMALL_STUDY_TESTS, PooledResult, StudyResult
from analysis.engine.results import SUMMARY_KEYS
from analysis.models import Analysis, AnalysisResult, ResultStatus
from analysis.recompute.compute import engine_rows

from . import tabular

POOLED_KEYS = (
    "k", "estimate", "se", "statistic", "df", "pval", "ci_lower", "ci_upper", "pi_lower", "pi_upper",
    "tau2", "tau2_ci_lower", "tau2_ci_upper", "tau", "i2", "i2_ci_lower", "i2_ci_upper", "h2",
    "q", "q_df", "q_pval",
)  # fmt: skip
# With moderators the pooled row holds the residual heterogeneity only.
RESIDUAL_KEYS = ("k", "tau2", "tau", "i2", "h2", "q", "q_df", "q_pval")


class NotExportable(Exception):
    """The analysis has no current result to export (recomputing, failed, or never computed)."""


def current_result(analysis: Analysis) -> AnalysisResult:
    """The analysis's result if it is current and computed; NotExportable with the reason otherwise."""
    version = selectors.current_data_version(review_id=analysis.review_id)
    status = selectors.status_of(analysis=analysis, data_version=version)
    result = analysis.current_result
    if result is None:
        raise NotExportable(f"“{analysis.name}” has not been computed yet; try again in a moment.")
    if status.stale:
        raise NotExportable(
            f"“{analysis.name}” is being recomputed: its stored result is from data version "
            f"{result.data_version}, the data is now at version {version}. Download it again in a moment."
        )
    if result.status != ResultStatus.OK:
        raise NotExportable(f"“{analysis.name}” could not be computed from the current data: {result.error}")
    return result


def file_stem(analysis: Analysis, result: AnalysisResult) -> str:
    return f"analysis-{analysis.pk}-{slugify(analysis.name)[:40] or 'analysis'}-v{result.data_version}"


def _pooled_row(part: str, group, fit: PooledResult, keys=POOLED_KEYS) -> dict:
    row = {"part": part, "group": group}
    row.update({key: getattr(fit, key) if key in keys else None for key in POOLED_KEYS})
    summary = fit.summary if keys is POOLED_KEYS else None
    row.update({f"summary_{key}": getattr(summary, key, None) for key in SUMMARY_KEYS})
    return row


def _study_rows(studies: list[StudyResult], group=None) -> list[dict]:
    return [
        {
            "study": study.study,
            "group": group,
            "source": study.extra.get("source"),
            "yi": study.yi,
            "vi": study.vi,
            "sei": study.sei,
            "ci_lower": study.ci_lower,
            "ci_upper": study.ci_upper,
            "weight": study.weight,
            **{
                f"summary_{key}": getattr(study.summary, key, None)
                for key in ("estimate", "ci_lower", "ci_upper")
            },
        }
        for study in studies
    ]


def _pooled_table(numbers: PooledResult) -> list[dict]:
    """The overall estimate (or, with moderators, the residual heterogeneity) and each subgroup's."""
    if numbers.regression is None:
        pooled = [_pooled_row("overall", None, numbers)]
    else:
        pooled = [_pooled_row("residual heterogeneity", None, numbers, keys=RESIDUAL_KEYS)]
    levels = numbers.subgroups.levels if numbers.subgroups else {}
    pooled.extend(_pooled_row("subgroup", name, level) for name, level in levels.items())
    return pooled


def _study_table(numbers: PooledResult) -> list[dict]:
    """One row per study, with its subgroup and its weight within the subgroup."""
    studies = _study_rows(numbers.studies)
    levels = numbers.subgroups.levels if numbers.subgroups else {}
    for name, level in levels.items():
        by_study = {row["study"]: row for row in _study_rows(level.studies, name)}
        for row in studies:
            if row["study"] in by_study:
                row["group"] = name
                row["weight_in_group"] = by_study[row["study"]]["weight"]
    return studies


def _test(name: str, statistic, df, pval, **more) -> dict:
    return {"test": name, "statistic": statistic, "df": df, "pval": pval, **more}


def _tests_table(numbers: PooledResult) -> list[dict]:
    """Every test the result holds: subgroup differences, QM, Egger, log-rank, interactions."""
    tests = []
    if numbers.subgroups is not None:
        between = numbers.subgroups
        tests.append(
            _test("subgroup differences", between.q_between, between.df_between, between.q_between_pval)
        )
    if numbers.regression is not None:
        regression = numbers.regression
        tests.append(
            _test("moderators (QM)", regression.qm, regression.qm_df, regression.qm_pval, r2=regression.r2)
        )
    if numbers.egger is not None:
        egger = numbers.egger
        tests.append(
            _test("Egger's regression", egger.statistic, egger.df, egger.pval, intercept=egger.intercept)
        )
    one_stage = numbers.one_stage
    if one_stage is not None and one_stage.logrank is not None:
        logrank = one_stage.logrank
        tests.append(_test("stratified log-rank", logrank.chi2, logrank.df, logrank.pval))
    for interaction in numbers.interactions:
        tests.append(
            _test(
                f"treatment × {interaction.get('covariate')}",
                interaction.get("chi2"),
                interaction.get("df"),
                interaction.get("pval"),
                note=interaction.get("error"),
            )
        )
    return tests


def _patient_level_tables(numbers: PooledResult) -> dict[str, list[dict]]:
    """Per-trial estimates, the one-stage Cox coefficients and the Kaplan-Meier steps."""
    tables = {}
    if numbers.per_trial:
        tables["per_trial"] = [dict(row) for row in numbers.per_trial]
    one_stage = numbers.one_stage
    if one_stage is not None and one_stage.coefficients:
        tables["cox"] = [
            {
                "model": "one-stage Cox stratified by trial",
                "n": one_stage.n,
                "events": one_stage.events,
                **term.to_json(),
            }
            for term in one_stage.coefficients
        ]
    if one_stage is not None and one_stage.km_curves:
        tables["km"] = [
            {"treatment": curve.treatment, **step}
            for curve in one_stage.km_curves
            for step in curve.steps or []
        ]
    return tables


def result_tables(analysis: Analysis, result: AnalysisResult) -> dict[str, list[dict]]:
    """The tables of a result; only those the analysis has (subgroups, moderators, Cox ...)."""
    numbers = PooledResult.from_json(result.numbers or {})
    tables: dict[str, list[dict]] = {"pooled": _pooled_table(numbers), "studies": _study_table(numbers)}
    tests = _tests_table(numbers)
    if tests:
        tables["tests"] = tests
    if numbers.regression is not None and numbers.regression.moderators:
        tables["moderators"] = [
            {"term": name, **coefficient.to_json()}
            for name, coefficient in numbers.regression.moderators.items()
        ]
    tables.update(_patient_level_tables(numbers))
    if numbers.warnings or numbers.notes or result.warnings:
        tables["notes"] = [{"kind": "warning", "text": t} for t in numbers.warnings or []] + [
            {"kind": "note", "text": t} for t in numbers.notes or []
        ]
    return tables


def provenance(analysis: Analysis, result: AnalysisResult) -> dict:
    return {
        "analysis_id": analysis.pk,
        "analysis": analysis.name,
        "outcome": str(analysis.outcome),
        "measure": analysis.measure,
        "method": analysis.method,
        "confidence_method": analysis.confidence_method,
        "result_id": result.pk,
        "data_version": result.data_version,
        "definition_version": result.definition_version,
        "input_hash": result.input_hash,
        "engine_version": result.engine_version,
        "computed_at": result.computed_at.isoformat(),
    }


def result_xlsx(analysis: Analysis, result: AnalysisResult) -> bytes:
    sheets = {"about": [{"item": k, "value": v} for k, v in provenance(analysis, result).items()]}
    sheets.update(result_tables(analysis, result))
    return tabular.xlsx_bytes(sheets)


def result_json(analysis: Analysis, result: AnalysisResult) -> bytes:
    payload = {
        **provenance(analysis, result),
        "numbers": result.numbers,
        "weights": result.weights,
        "warnings": result.warnings,
    }
    return json.dumps(payload, indent=2, allow_nan=False).encode()


FIGURES = ("forest", "funnel", "km")


def figure(analysis: Analysis, result: AnalysisResult, name: str, fmt: str) -> bytes:
    """One figure of the result as SVG or PNG; NotExportable when the analysis has no such figure."""
    from analysis import plots
    from analysis.presentation import _without_pi

    numbers = result.numbers or {}
    if name == "forest":
        rows = engine_rows(analysis.outcome.kind, (result.input_rows or {}).get("rows") or [])
        shown = numbers if analysis.prediction_interval else _without_pi(numbers)
        fig = plots.forest_plot(
            shown, data_rows=None if numbers.get("per_trial") else rows, title=analysis.name
        )
    elif name == "funnel":
        if len(numbers.get("studies") or []) < MIN_STUDIES_FOR_SMALL_STUDY_TESTS:
            raise NotExportable(f"A funnel plot needs at least {MIN_STUDIES_FOR_SMALL_STUDY_TESTS} studies.")
        fig = plots.funnel_plot(numbers)
    elif name == "km":
        one_stage = numbers.get("one_stage") or {}
        if not one_stage.get("km_curves"):
            raise NotExportable(
                "Kaplan-Meier curves come with a one-stage Cox analysis of patient-level data."
            )
        fig = plots.km_plot(one_stage, title="Kaplan-Meier, per arm")
    else:
        raise NotExportable(f"No figure called {name}.")
    return plots.to_svg(fig).encode() if fmt == "svg" else plots.to_png(fig)


def available_figures(analysis: Analysis, result: AnalysisResult) -> list[str]:
    numbers = PooledResult.from_json(result.numbers or {})
    names = ["forest"]
    if len(numbers.studies) >= MIN_STUDIES_FOR_SMALL_STUDY_TESTS:
        names.append("funnel")
    if numbers.one_stage is not None and numbers.one_stage.km_curves:
        names.append("km")
    return names
