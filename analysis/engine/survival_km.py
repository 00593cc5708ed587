"""Kaplan-Meier curves with Greenwood log-scale intervals and the stratified log-rank test, as R survival."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.engine.constants import Z_975
from analysis.engine.survival_data import IpdData, prepare_ipd


def _none_if_nan(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> dict[str, np.ndarray]:
    """Kaplan-Meier estimate at every distinct time (events and censorings), as R survfit.

    Greenwood: var(log S(t)) = sum over event times <= t of d / (n (n - d)); the 95% CI
    is R's default conf.type = "log": S exp(±Z_975 se(log S)), upper bound capped at 1.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(bool)
    order = np.argsort(time, kind="stable")
    time, event = time[order], event[order]
    times, first, counts = np.unique(time, return_index=True, return_counts=True)
    n_event = np.add.reduceat(event.astype(np.int64), first) if time.size else np.zeros(0, np.int64)
    n_risk = time.size - first
    n_censor = counts - n_event
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - n_event / n_risk)
        greenwood = np.cumsum(np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0))
        std_err = np.sqrt(greenwood)  # standard error of log S, as R's survfit `std.err`
        lower = surv * np.exp(-Z_975 * std_err)
        upper = np.minimum(surv * np.exp(Z_975 * std_err), 1.0)
    # Once S reaches 0 the log-scale interval is undefined (R reports NA).
    undefined = (surv <= 0) | ~np.isfinite(std_err)
    lower[undefined] = np.nan
    upper[undefined] = np.nan
    return {
        "time": times,
        "n_risk": n_risk,
        "n_event": n_event,
        "n_censor": n_censor,
        "surv": surv,
        "std_err": std_err,
        "lower": lower,
        "upper": upper,
    }


def km_at_times(curve: dict[str, np.ndarray], all_times: np.ndarray, at: Sequence[float]) -> list[dict]:
    """The step function at each requested time, with the number at risk there (R summary(fit, times=))."""
    at = np.asarray(at, dtype=float)
    index = np.searchsorted(curve["time"], at, side="right") - 1
    sorted_times = np.sort(np.asarray(all_times, dtype=float))
    # Number still at risk at t: patients whose time is >= t.
    n_risk = sorted_times.size - np.searchsorted(sorted_times, at, side="left")
    rows = []
    for t, i, risk in zip(at, index, n_risk, strict=True):
        if i < 0:
            surv, std_err, lower, upper = 1.0, 0.0, 1.0, 1.0
        else:
            surv = float(curve["surv"][i])
            std_err = _none_if_nan(curve["std_err"][i])
            lower, upper = _none_if_nan(curve["lower"][i]), _none_if_nan(curve["upper"][i])
        # "survival" is the reference files' name, "surv" R's; both are given.
        rows.append(
            {
                "time": float(t),
                "survival": surv,
                "surv": surv,
                "n_risk": int(risk),
                "std_err": std_err,
                "lower": lower,
                "upper": upper,
            }
        )
    return rows


def km_from_ipd(ipd: IpdData, km_times: Sequence[float] = ()) -> dict:
    """Kaplan-Meier per arm, pooled over strata (R: survfit(Surv(time, event) ~ treatment))."""
    at_times: list[dict] = []
    curves: list[dict] = []
    for index, level in enumerate(ipd.arm_levels):
        keep = ipd.arm == index
        curve = kaplan_meier(ipd.time[keep], ipd.event[keep])
        for row in km_at_times(curve, ipd.time[keep], km_times):
            at_times.append({"treatment": level, **row})
        curves.append(
            {
                "treatment": level,
                "n": int(keep.sum()),
                "events": int(ipd.event[keep].sum()),
                "median": _median_survival(curve),
                "steps": [
                    {
                        "time": float(curve["time"][i]),
                        "surv": float(curve["surv"][i]),
                        "lower": _none_if_nan(curve["lower"][i]),
                        "upper": _none_if_nan(curve["upper"][i]),
                        "n_risk": int(curve["n_risk"][i]),
                        "n_event": int(curve["n_event"][i]),
                        "n_censor": int(curve["n_censor"][i]),
                    }
                    for i in range(curve["time"].size)
                ],
            }
        )
    return {"at_times": at_times, "curves": curves}


def _median_survival(curve: dict[str, np.ndarray]) -> float | None:
    """First time the curve is at or below 0.5 (R's median when it is not exactly 0.5 on a flat step)."""
    below = np.flatnonzero(curve["surv"] <= 0.5 + 1e-12)
    if below.size == 0:
        return None
    i = below[0]
    if abs(curve["surv"][i] - 0.5) < 1e-12:
        # R takes the midpoint between this time and the next event time when S is exactly 0.5.
        later = np.flatnonzero((curve["n_event"] > 0) & (np.arange(curve["time"].size) > i))
        return (
            float((curve["time"][i] + curve["time"][later[0]]) / 2) if later.size else float(curve["time"][i])
        )
    return float(curve["time"][i])


def kaplan_meier_by_arm(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    control: str | None = None,
    km_times: Sequence[float] = (),
) -> dict:
    """Kaplan-Meier curves per arm with survival, CI and number at risk at `km_times`."""
    ipd = prepare_ipd(data, time=time, event=event, treatment=treatment, control=control)
    return km_from_ipd(ipd, km_times)


def logrank_from_ipd(ipd: IpdData) -> dict:
    """Log-rank test of the arms, stratified (R: survdiff(Surv(time, event) ~ treatment + strata(s)))."""
    arms = len(ipd.arm_levels)
    order = np.lexsort((ipd.time, ipd.stratum))
    time, stratum, arm, event = ipd.time[order], ipd.stratum[order], ipd.arm[order], ipd.event[order]
    new_group = np.ones(time.size, dtype=bool)
    new_group[1:] = (time[1:] != time[:-1]) | (stratum[1:] != stratum[:-1])
    group = np.cumsum(new_group) - 1
    n_groups = int(group[-1]) + 1
    leaving = np.bincount(group * arms + arm, minlength=n_groups * arms).reshape(n_groups, arms)
    deaths = np.bincount(group * arms + arm, weights=event, minlength=n_groups * arms).reshape(n_groups, arms)
    # At risk at a time: everyone in the stratum not yet gone, a reverse cumulative sum per stratum.
    group_stratum = stratum[np.flatnonzero(new_group)]
    bounds = np.flatnonzero(np.r_[True, group_stratum[1:] != group_stratum[:-1], True])
    at_risk = np.empty_like(leaving)
    for first, end in zip(bounds[:-1], bounds[1:], strict=True):
        at_risk[first:end] = np.cumsum(leaving[first:end][::-1], axis=0)[::-1]
    has_death = deaths.sum(axis=1) > 0
    n_j, d_j = at_risk[has_death].astype(float), deaths[has_death]
    n, d = n_j.sum(axis=1), d_j.sum(axis=1)
    observed = d_j.sum(axis=0)
    expected = (d[:, None] * n_j / n[:, None]).sum(axis=0)
    # Hypergeometric variance: d (n - d) / (n - 1) * p_j (delta_jk - p_k), with p = n_j / n.
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    share = n_j / n[:, None]
    variance = np.diag((factor[:, None] * share).sum(axis=0)) - np.einsum("g,gj,gk->jk", factor, share, share)
    o_minus_e = observed - expected
    # One arm is redundant (O - E sums to zero); drop the control, as any one gives the same chi-square.
    chi2 = float(o_minus_e[1:] @ np.linalg.solve(variance[1:, 1:], o_minus_e[1:]))
    df = arms - 1
    result = {
        "chi2": chi2,
        "df": df,
        "pval": float(stats.chi2.sf(chi2, df)),
        "strata": len(ipd.stratum_levels),
        "arms": [
            {"treatment": level, "observed": float(observed[i]), "expected": float(expected[i])}
            for i, level in enumerate(ipd.arm_levels)
        ],
    }
    if arms == 2:
        # Peto's O - E and V of the experimental arm: log HR ~ (O - E) / V, as in published log-rank data.
        result["o_minus_e"] = float(o_minus_e[1])
        result["v"] = float(variance[1, 1])
    return result


def logrank_test(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    control: str | None = None,
    strata: str | None = None,
) -> dict:
    """Stratified log-rank test of treatment (chi-square with arms - 1 df)."""
    ipd = prepare_ipd(data, time=time, event=event, treatment=treatment, control=control, strata=strata)
    return logrank_from_ipd(ipd)
