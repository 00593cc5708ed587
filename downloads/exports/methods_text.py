"""A methods paragraph ready for a paper: estimators, CI method, software, data version and hash."""

from __future__ import annotations

import platform

from analysis.models import Analysis, AnalysisResult, EffectMeasure, HazardSource, PoolingMethod

TAU2_TEXT = {
    "REML": "restricted maximum likelihood (REML)",
    "DL": "the DerSimonian-Laird method",
    "PM": "the Paule-Mandel method",
    "ML": "maximum likelihood",
    "HS": "the Hunter-Schmidt method",
    "SJ": "the Sidik-Jonkman method",
    "HE": "the Hedges method",
    "EB": "the empirical Bayes method",
}


def software_versions() -> dict[str, str]:
    """Versions of the software that computed the numbers (the platform's engine and its libraries)."""
    import numpy
    import pandas
    import scipy

    from analysis.engine import ENGINE_VERSION

    return {
        "OpenSynth engine": ENGINE_VERSION,
        "Python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
    }


def _model_sentence(analysis: Analysis) -> str:
    method = analysis.method
    if method == PoolingMethod.FE:
        text = "a fixed (common) effect model with inverse-variance weights"
    elif method == PoolingMethod.MH:
        text = "the Mantel-Haenszel fixed-effect method"
    elif method == PoolingMethod.PETO:
        text = "Peto's one-step odds ratio method"
    else:
        text = (
            f"a random-effects model with the between-study variance (tau²) estimated by {TAU2_TEXT[method]}"
        )
    if analysis.confidence_method == "knha":
        text += "; confidence intervals used the Hartung-Knapp adjustment (t distribution)"
    elif method not in (PoolingMethod.MH, PoolingMethod.PETO):
        text += "; confidence intervals used the normal distribution (Wald-type)"
    return text


def analysis_paragraph(analysis: Analysis, result: AnalysisResult) -> str:
    numbers = result.numbers or {}
    measure = (
        EffectMeasure(analysis.measure).label.lower()
        if analysis.measure in EffectMeasure.values
        else analysis.measure
    )
    parts = [
        f"{analysis.name} ({analysis.outcome}): effect measure {measure}, pooled with {_model_sentence(analysis)}."
    ]
    if analysis.outcome.kind == "time_to_event":
        if analysis.hazard_source == HazardSource.PUBLISHED:
            parts.append(
                "Log hazard ratios and their standard errors were taken from published estimates (from the hazard "
                "ratio and its 95% confidence interval, or from the log-rank O−E and its variance)."
            )
        else:
            parts.append(
                "Patient-level data were analysed in two stages: a Cox proportional hazards model (Efron ties) in "
                "each trial, then pooling of the log hazard ratios"
                + (
                    " together with trials known only from publications."
                    if analysis.hazard_source == HazardSource.BOTH
                    else "."
                )
            )
            if numbers.get("one_stage"):
                parts.append(
                    "A one-stage Cox model stratified by trial, a stratified log-rank test and Kaplan-Meier curves per "
                    "arm were also computed"
                    + (
                        f", with Wald tests of treatment-by-covariate interaction for {', '.join(analysis.interaction_covariates)}."
                        if analysis.interaction_covariates
                        else "."
                    )
                )
    if analysis.measure in ("OR", "RR", "RD") and analysis.method not in ("MH", "PETO"):
        parts.append(
            "0.5 was added to every cell of tables with a zero cell; tables without events in either arm were left out."
        )
    if analysis.method not in ("FE", "MH", "PETO"):
        parts.append(
            "Heterogeneity is reported as Q, I² and tau² with Q-profile confidence intervals"
            + ("; a 95% prediction interval is given." if analysis.prediction_interval else ".")
        )
    if analysis.subgroup:
        parts.append(
            f"Subgroups by {analysis.subgroup} were pooled separately, each with its own tau², and compared with a test of subgroup differences."
        )
    if analysis.moderators:
        parts.append(f"A mixed-effects meta-regression on {', '.join(analysis.moderators)} was fitted.")
    if numbers.get("egger"):
        parts.append("Small-study effects were assessed with Egger's regression test.")
    parts.append(
        f"Computed from data version {result.data_version} (input SHA-256 {result.input_hash}) on "
        f"{result.computed_at:%Y-%m-%d}."
    )
    return " ".join(parts)


def methods_text(
    *, review, analyses: list[tuple[Analysis, AnalysisResult]], left_out: list[str], data_hash: str
) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in software_versions().items())
    lines = [
        f"Methods (review: {review.title})",
        "",
        "Meta-analyses were computed with OpenSynth, whose statistics follow the definitions of the R package "
        "metafor (effect sizes as escalc, rma, rma.mh, rma.peto) and, for patient-level data, survival (coxph, "
        f"survdiff, survfit). Software: {versions}. The enclosed R script reproduces every number with metafor "
        "and survival.",
        "",
    ]
    lines += [analysis_paragraph(a, r) + "\n" for a, r in analyses]
    if left_out:
        lines += ["Not included in this bundle:"] + [f"- {reason}" for reason in left_out] + [""]
    lines.append(f"Data version {review.data_version}; SHA-256 of the bundle's data files: {data_hash}.")
    return "\n".join(lines) + "\n"
