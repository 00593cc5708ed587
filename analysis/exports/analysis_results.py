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
from analysis.engine import MIN_STUDIES_FOR_SMALL_STUDY_TESTS
from analysis.models import Analysis, AnalysisResult, ResultStatus
from analysis.services.compute import engine_rows

from . import tabular

POOLED_KEYS = (
    "k", "estimate", "se", "statistic", "df", "pval", "ci_lower", "ci_upper", "pi_lower", "pi_upper",
    "tau2", "tau2_ci_lower", "tau2_ci_upper", "tau", "i2", "i2_ci_lower", "i2_ci_upper", "h2",
    "q", "q_df", "q_pval",
)  # fmt: skip
SUMMARY_KEYS = ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper")


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


def _pooled_row(part: str, group, fit: dict) -> dict:
    row = {"part": part, "group": group}
    row.update({key: fit.get(key) for key in POOLED_KEYS})
    summary = fit.get("summary") or {}
    row.update({f"summary_{key}": summary.get(key) for key in SUMMARY_KEYS})
    return row


def _study_rows(studies: list[dict], group=None) -> list[dict]:
    rows = []
    for study in studies:
        summary = study.get("summary") or {}
        rows.append(
            {
                "study": study.get("study"),
                "group": group,
                "source": study.get("source"),
                "yi": study.get("yi"),
                "vi": study.get("vi"),
                "sei": study.get("sei"),
                "ci_lower": study.get("ci_lower"),
                "ci_upper": study.get("ci_upper"),
                "weight": study.get("weight"),
                **{f"summary_{key}": summary.get(key) for key in ("estimate", "ci_lower", "ci_upper")},
            }
        )
    return rows


def result_tables(analysis: Analysis, result: AnalysisResult) -> dict[str, list[dict]]:
    """The tables of a result; only those the analysis has (subgroups, moderators, Cox ...)."""
    numbers = result.numbers or {}
    tables: dict[str, list[dict]] = {}
    pooled = [] if "moderators" in numbers else [_pooled_row("overall", None, numbers)]
    if "moderators" in numbers:
        pooled.append(
            _pooled_row(
                "residual heterogeneity",
                None,
                {k: numbers.get(k) for k in ("k", "tau2", "tau", "i2", "h2", "q", "q_df", "q_pval")},
            )
        )
    for name, group in (numbers.get("subgroups") or {}).items():
        pooled.append(_pooled_row("subgroup", name, group))
    tables["pooled"] = pooled
    studies = _study_rows(numbers.get("studies") or [])
    for name, group in (numbers.get("subgroups") or {}).items():
        by_study = {row["study"]: row for row in _study_rows(group.get("studies") or [], name)}
        for row in studies:
            if row["study"] in by_study:
                row["group"] = name
                row["weight_in_group"] = by_study[row["study"]]["weight"]
    tables["studies"] = studies
    tests = []
    if "q_between" in numbers:
        tests.append(
            {
                "test": "subgroup differences",
                "statistic": numbers.get("q_between"),
                "df": numbers.get("df_between"),
                "pval": numbers.get("q_between_pval"),
            }
        )
    if "qm" in numbers:
        tests.append(
            {
                "test": "moderators (QM)",
                "statistic": numbers.get("qm"),
                "df": numbers.get("qm_df"),
                "pval": numbers.get("qm_pval"),
                "r2": numbers.get("r2"),
            }
        )
    if numbers.get("egger"):
        egger = numbers["egger"]
        tests.append(
            {
                "test": "Egger's regression",
                "statistic": egger.get("statistic"),
                "df": egger.get("df"),
                "pval": egger.get("pval"),
                "intercept": egger.get("intercept"),
            }
        )
    one_stage = numbers.get("one_stage") or {}
    if one_stage.get("logrank"):
        logrank = one_stage["logrank"]
        tests.append(
            {
                "test": "stratified log-rank",
                "statistic": logrank.get("chi2"),
                "df": logrank.get("df"),
                "pval": logrank.get("pval"),
            }
        )
    for interaction in numbers.get("interactions") or []:
        tests.append(
            {
                "test": f"treatment × {interaction.get('covariate')}",
                "statistic": interaction.get("chi2"),
                "df": interaction.get("df"),
                "pval": interaction.get("pval"),
                "note": interaction.get("error"),
            }
        )
    if tests:
        tables["tests"] = tests
    if numbers.get("moderators"):
        tables["moderators"] = [{"term": name, **values} for name, values in numbers["moderators"].items()]
    if numbers.get("per_trial"):
        tables["per_trial"] = [dict(row) for row in numbers["per_trial"]]
    if one_stage.get("coefficients"):
        tables["cox"] = [
            {
                "model": "one-stage Cox stratified by trial",
                "n": one_stage.get("n"),
                "events": one_stage.get("events"),
                **term,
            }
            for term in one_stage["coefficients"]
        ]
    if one_stage.get("km_curves"):
        tables["km"] = [
            {"treatment": curve.get("treatment"), **step}
            for curve in one_stage["km_curves"]
            for step in curve.get("steps") or []
        ]
    if numbers.get("warnings") or numbers.get("notes") or result.warnings:
        tables["notes"] = [{"kind": "warning", "text": t} for t in numbers.get("warnings") or []] + [
            {"kind": "note", "text": t} for t in numbers.get("notes") or []
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
    numbers = result.numbers or {}
    names = ["forest"]
    if len(numbers.get("studies") or []) >= MIN_STUDIES_FOR_SMALL_STUDY_TESTS:
        names.append("funnel")
    if (numbers.get("one_stage") or {}).get("km_curves"):
        names.append("km")
    return names
