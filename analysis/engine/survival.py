"""Patient-level (IPD) time-to-event analysis: one-stage stratified Cox, log-rank, Kaplan-Meier, two-stage.

The numbers follow R survival: coxph(Surv(time, event) ~ treatment + strata(trial), ties = "efron"),
survdiff(... + strata(trial)) and survfit(Surv(time, event) ~ treatment). The work is done in
survival_cox.py (Cox model, interaction tests) and survival_km.py (Kaplan-Meier, log-rank).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.engine.effect_sizes import compute_effect_sizes
from analysis.engine.errors import ConvergenceError, InputError
from analysis.engine.meta_analysis import run_pooled_analysis
from analysis.engine.survival_cox import (
    cox_from_ipd,
    cox_treatment_effect,
    fit_cox,
    interaction_from_ipd,
    interaction_test,
)
from analysis.engine.survival_data import IpdData, prepare_ipd
from analysis.engine.survival_km import (
    kaplan_meier,
    kaplan_meier_by_arm,
    km_from_ipd,
    logrank_from_ipd,
    logrank_test,
)

__all__ = [
    "analyse_ipd",
    "format_ipd_text",
    "read_ipd_csv",
    "cox_treatment_effect",
    "fit_cox",
    "interaction_test",
    "kaplan_meier",
    "kaplan_meier_by_arm",
    "logrank_test",
    "per_trial_estimates",
    "prepare_ipd",
    "two_stage",
]


def analyse_ipd(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    control: str | None = None,
    strata: str | None = None,
    covariates: Sequence[str] = (),
    interaction: str | None = None,
    km_times: Sequence[float] = (),
    ties: str = "efron",
) -> dict:
    """Everything a reviewer sees for IPD: stratified Cox HR, log-rank, KM per arm, optional interaction."""
    ipd = prepare_ipd(
        data,
        time=time,
        event=event,
        treatment=treatment,
        control=control,
        strata=strata,
        covariates=[*covariates, *([interaction] if interaction else [])],
    )
    result = cox_from_ipd(ipd, covariates=covariates, ties=ties)
    km = km_from_ipd(ipd, km_times)
    result["km"] = km["at_times"]
    result["km_curves"] = km["curves"]
    result["logrank"] = logrank_from_ipd(ipd)
    if interaction:
        result["interaction"] = interaction_from_ipd(ipd, interaction, ties=ties)
    result["notes"] = list(ipd.notes)
    return result


def read_ipd_csv(path: str) -> pd.DataFrame:
    """One row per patient from a CSV file (empty cells and NA are missing values)."""
    try:
        return pd.read_csv(path, skipinitialspace=True)
    except FileNotFoundError as exc:
        raise InputError(f"file not found: {path}") from exc
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from exc


def format_ipd_text(result: dict) -> str:
    """The result of analyse_ipd as a readable table."""

    def number(value, digits: int = 4) -> str:
        return "NA" if value is None else f"{value:.{digits}f}"

    lines = [
        f"Cox proportional hazards, {result['ties']} ties, {result['strata']} stratum/strata: "
        f"n = {result['n']}, events = {result['events']}",
        "",
        f"{'arm':<20} {'n':>8} {'events':>8}",
    ]
    lines += [f"{arm['treatment']:<20} {arm['n']:>8} {arm['events']:>8}" for arm in result["arms"]]
    lines += ["", f"{'term':<28} {'log HR':>9} {'SE':>8} {'HR':>8} {'95% CI':>19} {'p':>9}"]
    for term in result["coefficients"]:
        ci = f"{number(term['hr_ci_lower'], 3)} to {number(term['hr_ci_upper'], 3)}"
        lines.append(
            f"{term['term']:<28} {number(term['log_hr']):>9} {number(term['se']):>8} {number(term['hr'], 3):>8} "
            f"{ci:>19} {term['pval']:>9.3g}"
        )
    lines.append(
        f"log-likelihood {result['loglik']:.4f} (null {result['loglik_null']:.4f}), "
        f"{result['iterations']} Newton-Raphson iterations"
    )
    logrank = result["logrank"]
    lines += [
        "",
        f"Log-rank test (stratified): chi-square {logrank['chi2']:.4f}, df {logrank['df']}, p = {logrank['pval']:.4g}",
    ]
    interaction = result.get("interaction")
    if interaction:
        lines += [
            "",
            f"Treatment x {interaction['covariate']} ({interaction['kind']}): chi-square {interaction['chi2']:.4f}, "
            f"df {interaction['df']}, p = {interaction['pval']:.4g}",
        ]
        for term in interaction["interaction"]:
            lines.append(
                f"  {term['term']:<26} {number(term['log_hr']):>9} {number(term['se']):>8} p = {term['pval']:.3g}"
            )
        for row in interaction["subgroups"]:
            detail = row.get("note") or (
                f"HR {number(row['hr'], 3)} ({number(row['hr_ci_lower'], 3)} to {number(row['hr_ci_upper'], 3)})"
            )
            lines.append(f"  {interaction['covariate']} = {row['level']}: {detail}")
    if result["km"]:
        lines += [
            "",
            "Kaplan-Meier (pooled over strata)",
            f"{'arm':<20} {'time':>9} {'survival':>9} {'95% CI':>19} {'at risk':>8}",
        ]
        for row in result["km"]:
            ci = f"{number(row['lower'], 3)} to {number(row['upper'], 3)}"
            lines.append(
                f"{row['treatment']:<20} {row['time']:>9g} {number(row['survival']):>9} {ci:>19} {row['n_risk']:>8}"
            )
    lines += [f"note: {note}" for note in result["notes"]]
    return "\n".join(lines) + "\n"


def per_trial_estimates(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    trial: str,
    control: str | None = None,
    ties: str = "efron",
) -> list[dict]:
    """Log HR and SE of treatment in each trial (unstratified Cox), rows ready for pooling as yi, sei.

    A trial whose HR cannot be estimated (say no events in one arm) gets yi = sei = None and a note.
    """
    ipd = prepare_ipd(data, time=time, event=event, treatment=treatment, control=control, strata=trial)
    if len(ipd.arm_levels) != 2:
        raise InputError("per-trial hazard ratios need exactly two arms (treatment and control)")
    rows = []
    for code, study in enumerate(ipd.stratum_levels):
        keep = ipd.stratum == code
        rows.append(_trial_row(ipd, keep, study, ties))
    return rows


def _trial_row(ipd: IpdData, keep: np.ndarray, study: str, ties: str) -> dict:
    arm, event = ipd.arm[keep], ipd.event[keep]
    n = np.bincount(arm, minlength=2)
    events = np.bincount(arm, weights=event, minlength=2).astype(int)
    row = {
        "study": study,
        "yi": None,
        "sei": None,
        "control": ipd.arm_levels[0],
        "treatment": ipd.arm_levels[1],
        "n_control": int(n[0]),
        "n_treatment": int(n[1]),
        "events_control": int(events[0]),
        "events_treatment": int(events[1]),
    }
    if n.min() == 0:
        row["note"] = "only one arm in this trial; no hazard ratio"
        return row
    try:
        fit = fit_cox(ipd.time[keep], event, (arm == 1).astype(float), names=["treatment"], ties=ties)
    except (InputError, ConvergenceError) as exc:
        row["note"] = str(exc)
        return row
    row["yi"], row["sei"] = float(fit.coef[0]), float(fit.se[0])
    return row


def two_stage(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    trial: str,
    control: str | None = None,
    published: Sequence[dict] = (),
    method: str = "REML",
    test: str = "z",
    ties: str = "efron",
) -> dict:
    """Two-stage IPD meta-analysis: per-trial Cox log HRs pooled with trials known only from publications.

    `published` rows use the pooling engine's columns for a hazard ratio: `study` with
    `estimate, ci_lower, ci_upper` (HR and 95% CI), `yi, sei` (log HR) or `o_minus_e, v`
    (log-rank), all rows of one kind. The result is the pooling engine's (measure HR), plus
    `per_trial` (the IPD rows) and a `source` per study.
    """
    ipd_rows = per_trial_estimates(
        data, time=time, event=event, treatment=treatment, trial=trial, control=control, ties=ties
    )
    notes = [
        f"trial {row['study']} left out of the two-stage analysis: {row['note']}"
        for row in ipd_rows
        if row["yi"] is None
    ]
    rows = [
        {"study": row["study"], "yi": row["yi"], "sei": row["sei"], "source": "IPD"}
        for row in ipd_rows
        if row["yi"] is not None
    ]
    if published:
        # The pooling engine turns an HR with CI (or O - E, V) into log HR and variance, as for any HR input.
        effects = compute_effect_sizes([dict(row) for row in published], "HR")
        notes.extend(effects.warnings)
        ipd_studies = {row["study"] for row in rows}
        for study, yi, vi in zip(effects.studies, effects.yi, effects.vi, strict=True):
            if study in ipd_studies:
                raise InputError(f"trial '{study}' is given both as IPD and as a published estimate")
            rows.append({"study": study, "yi": float(yi), "sei": float(np.sqrt(vi)), "source": "published"})
    if not rows:
        raise InputError("no trial has an estimable hazard ratio")
    result = run_pooled_analysis(rows, measure="HR", method=method, test=test)
    source = {row["study"]: row["source"] for row in rows}
    for study_row in result.get("studies", []):
        study_row["source"] = source.get(str(study_row.get("study")))
    result["per_trial"] = ipd_rows
    result["notes"] = [*result.get("notes", []), *notes]
    return result
