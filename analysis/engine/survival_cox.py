"""Stratified Cox proportional hazards model (Efron or Breslow ties), vectorised, as R coxph."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.engine.constants import Z_975
from analysis.engine.errors import ConvergenceError, InputError
from analysis.engine.survival_data import IpdData, level_labels, prepare_ipd

TIES = ("efron", "breslow")


@dataclass
class CoxFit:
    """Maximum partial likelihood estimates of one Cox model."""

    names: list[str]
    coef: np.ndarray
    var: np.ndarray
    loglik: float
    loglik_null: float
    iterations: int
    n: int
    events: int

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.var))

    def term(self, index: int) -> dict:
        """Estimate, SE, HR with 95% CI and Wald test of one coefficient."""
        return wald_row(self.names[index], float(self.coef[index]), float(self.se[index]))


def wald_row(term: str, log_hr: float, se: float) -> dict:
    """Log HR, SE, HR with 95% CI, Wald z and two-sided p."""
    z = log_hr / se
    return {
        "term": term,
        "log_hr": log_hr,
        "se": se,
        "hr": float(np.exp(log_hr)),
        "hr_ci_lower": float(np.exp(log_hr - Z_975 * se)),
        "hr_ci_upper": float(np.exp(log_hr + Z_975 * se)),
        "z": z,
        "pval": float(2 * stats.norm.sf(abs(z))),
    }


def _sort_order(time: np.ndarray, event: np.ndarray, stratum: np.ndarray) -> np.ndarray:
    """Row order by stratum, time descending, deaths first: one integer sort key (faster than lexsort)."""
    stratum = stratum.astype(np.int64)
    latest = time.max() if time.size else 0.0
    if latest < 2**31 and time.min(initial=0.0) >= 0 and np.array_equal(time, np.floor(time)):
        # Whole-number times (days, months) are their own ranks: no np.unique pass needed.
        span, descending = int(latest) + 1, (latest - time).astype(np.int64)
    else:
        distinct_times, time_rank = np.unique(time, return_inverse=True)
        span, descending = distinct_times.size, distinct_times.size - 1 - time_rank.astype(np.int64)
    return np.argsort((stratum * span + descending) * 2 + ~event)


class _RiskSets:
    """Sorted data and tie structure, built once; evaluate() gives log-lik, score and information.

    Rows are sorted by stratum, time descending, deaths before censorings. The risk set of a
    time (everyone in the stratum with time >= t) is then a prefix of the stratum, so its sums
    are cumulative sums (adding the small late risk sets first: no cancellation), and the
    deaths tied at a time are a contiguous block, so their sums come from the same pass.
    """

    def __init__(self, time: np.ndarray, event: np.ndarray, x: np.ndarray, stratum: np.ndarray, ties: str):
        event = event.astype(bool)
        order = _sort_order(time, event, stratum)
        time, stratum, event = time[order], stratum[order], event[order]
        # Centring changes no estimate (it scales every risk weight alike) but keeps exp() in range.
        x = x[order] - x.mean(axis=0)
        n, p = x.shape
        self.p = p
        self.x = x
        # Per row: [1, x, vec(x x')] so one weighted block sum gives S0, S1 and S2 together.
        self.z = np.hstack([np.ones((n, 1)), x, (x[:, :, None] * x[:, None, :]).reshape(n, p * p)])

        new_group = np.ones(n, dtype=bool)
        new_group[1:] = (time[1:] != time[:-1]) | (stratum[1:] != stratum[:-1])
        group_starts = np.flatnonzero(new_group)
        group_ends = np.r_[group_starts[1:], n]
        deaths = np.add.reduceat(event.astype(np.int64), group_starts)
        # Each (stratum, time) group is one block of deaths then one of censorings; sum per block.
        death_end = group_starts + deaths
        split = (deaths > 0) & (death_end < group_ends)
        self.block_starts = np.sort(np.r_[group_starts, death_end[split]])
        block_of_group = np.searchsorted(self.block_starts, group_starts)
        self.group_blocks = block_of_group  # first block of each group, for reduceat over blocks
        has_deaths = deaths > 0
        self.event_groups = np.flatnonzero(has_deaths)
        self.death_blocks = block_of_group[has_deaths]  # the deaths' block is the group's first

        group_stratum = stratum[group_starts]
        stratum_first = np.flatnonzero(np.r_[True, group_stratum[1:] != group_stratum[:-1]])
        self.stratum_bounds = list(
            zip(stratum_first, np.r_[stratum_first[1:], group_stratum.size], strict=True)
        )

        # Efron's approximation: the k-th of d tied deaths (k = 0..d-1) sees the risk set minus
        # k/d of the tied deaths' own weight; Breslow keeps the full risk set (fraction 0).
        d = deaths[has_deaths]
        self.expand = np.repeat(np.arange(d.size), d)
        self.expand_starts = np.r_[0, np.cumsum(d)[:-1]]
        rank = np.arange(self.expand.size) - self.expand_starts[self.expand]
        self.fraction = rank / d[self.expand] if ties == "efron" else np.zeros(rank.size)
        self.deaths = d.astype(float)
        self.events = int(event.sum())
        self.x_event_sum = x[event].sum(axis=0)

    def evaluate(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Partial log-likelihood, score vector and information matrix at beta.

        With den_k = R0 - f_k D0 (R: risk-set sums, D: tied-death sums, f_k = k/d), the
        Efron terms need only per-group scalars: sum_k 1/den_k, f_k/den_k, f_k^j/den_k^2.
        """
        p = self.p
        # einsum, not @: these products are too small for BLAS threads, which only spin under load.
        eta = np.einsum("ij,j->i", self.x, beta)
        # Shifting eta by a constant leaves the partial likelihood unchanged (one log term per death).
        shift = eta.max()
        blocks = np.add.reduceat(np.exp(eta - shift)[:, None] * self.z, self.block_starts, axis=0)
        risk = np.add.reduceat(blocks, self.group_blocks, axis=0)
        for first, end in self.stratum_bounds:
            np.cumsum(risk[first:end], axis=0, out=risk[first:end])
        r = risk[self.event_groups]
        tied = blocks[self.death_blocks]
        f = self.fraction
        den = r[:, 0][self.expand] - f * tied[:, 0][self.expand]
        inv = 1.0 / den
        inv2 = inv * inv
        per_group = np.add.reduceat(
            np.column_stack([np.log(den), inv, f * inv, inv2, f * inv2, f * f * inv2]),
            self.expand_starts,
            axis=0,
        )
        log_den, b, c, e0, e1, e2 = per_group.T
        r1, tied1 = r[:, 1 : 1 + p], tied[:, 1 : 1 + p]
        r2, tied2 = r[:, 1 + p :], tied[:, 1 + p :]
        loglik = float(np.dot(self.x_event_sum, beta) - shift * self.events - log_den.sum())
        score = self.x_event_sum - (r1 * b[:, None] - tied1 * c[:, None]).sum(axis=0)
        cross = np.einsum("gi,gj,g->ij", r1, tied1, e1)
        info = (
            (r2 * b[:, None] - tied2 * c[:, None]).sum(axis=0).reshape(p, p)
            - np.einsum("gi,gj,g->ij", r1, r1, e0)
            + cross
            + cross.T
            - np.einsum("gi,gj,g->ij", tied1, tied1, e2)
        )
        return loglik, score, info


def fit_cox(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    stratum: np.ndarray | None = None,
    *,
    names: Sequence[str] | None = None,
    ties: str = "efron",
    tol: float = 1e-12,
    max_iter: int = 50,
) -> CoxFit:
    """Newton-Raphson fit of a (stratified) Cox model; x is n×p, no intercept."""
    if ties not in TIES:
        raise InputError(f"ties must be one of {', '.join(TIES)}; got {ties!r}")
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    n, p = x.shape
    names = list(names) if names is not None else [f"x{j + 1}" for j in range(p)]
    stratum = np.zeros(n, dtype=np.int64) if stratum is None else np.asarray(stratum)
    time = np.asarray(time, dtype=float)
    event = np.asarray(event)
    if int(event.sum()) == 0:
        raise InputError("there are no events; a Cox model cannot be fitted")
    problem = _RiskSets(time, event, x, stratum, ties)

    beta = np.zeros(p)
    loglik, score, info = problem.evaluate(beta)
    loglik_null = loglik
    _require_estimable(info, names)
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError as exc:
            raise ConvergenceError(
                f"Cox model: information matrix is singular at iteration {iterations}"
            ) from exc
        candidate = beta + step
        new_loglik, new_score, new_info = problem.evaluate(candidate)
        halvings = 0
        # Step-halving, as in R coxph, when a full Newton step lowers the likelihood.
        while not new_loglik >= loglik - 1e-12 * abs(loglik) and halvings < 30:
            step /= 2
            candidate = beta + step
            new_loglik, new_score, new_info = problem.evaluate(candidate)
            halvings += 1
        gain = new_loglik - loglik
        beta, loglik, score, info = candidate, new_loglik, new_score, new_info
        if not np.all(np.isfinite(beta)):
            _raise_monotone(names, beta, step)
        if abs(gain) <= tol * abs(loglik):
            break
    else:
        raise ConvergenceError(
            f"Cox model did not converge in {max_iter} Newton-Raphson iterations "
            "(a coefficient may be heading to infinity: monotone likelihood)",
            iterations=max_iter,
        )
    # R coxph's test for an infinite coefficient: the log-likelihood has converged, yet one
    # more Newton step would still move a coefficient by more than a tiny part of itself.
    try:
        next_step = np.linalg.solve(info, score)
    except np.linalg.LinAlgError as exc:
        raise ConvergenceError("Cox model: information matrix is singular at the optimum") from exc
    diverging = (np.abs(next_step) > 1e-4 * np.abs(beta)) & (np.abs(next_step) > 1e-8 * (1 + np.abs(beta)))
    if diverging.any():
        _raise_monotone(names, beta, np.where(diverging, 1.0, 0.0))
    try:
        var = np.linalg.inv(info)
    except np.linalg.LinAlgError as exc:
        raise ConvergenceError("Cox model: information matrix is singular at the optimum") from exc
    if np.any(np.diag(var) <= 0):
        raise ConvergenceError("Cox model: the information matrix is not positive definite at the optimum")
    return CoxFit(
        names=names,
        coef=beta,
        var=var,
        loglik=loglik,
        loglik_null=loglik_null,
        iterations=iterations,
        n=n,
        events=int(event.sum()),
    )


def _require_estimable(info: np.ndarray, names: list[str]) -> None:
    """Refuse covariates that carry no information (constant within strata, or collinear)."""
    diagonal = np.diag(info)
    flat = [names[j] for j in np.flatnonzero(diagonal <= 1e-12 * max(1.0, diagonal.max()))]
    if flat:
        raise InputError(
            f"not estimable: {', '.join(flat)} does not vary within the risk sets (constant within strata?)"
        )
    eigen = np.linalg.eigvalsh(info / np.sqrt(np.outer(diagonal, diagonal)))
    if eigen.min() <= 1e-10:
        raise InputError(f"not estimable: the terms {', '.join(names)} are collinear")


def _raise_monotone(names: list[str], beta: np.ndarray, step: np.ndarray) -> None:
    moving = [names[j] for j in np.flatnonzero(np.abs(step) > 1e-6)] or names
    raise ConvergenceError(
        "monotone likelihood: the estimate of "
        + ", ".join(moving)
        + " diverges (e.g. no events in one group in every stratum); the hazard ratio is not finite"
    )


# --- design matrices and the treatment effect -----------------------------------------------------


def covariate_columns(
    frame: pd.DataFrame, column: str, categorical: bool | None = None
) -> tuple[np.ndarray, list[str]]:
    """One numeric column, or dummy columns (first level is the reference) for a categorical one."""
    values = frame[column]
    if categorical is None:
        categorical = not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    if not categorical:
        return values.to_numpy(dtype=float)[:, None], [column]
    labels = level_labels(values)
    levels = sorted(labels.unique())
    if len(levels) < 2:
        raise InputError(f"covariate '{column}' has a single level ({levels[0]}); nothing to estimate")
    codes = pd.Categorical(labels, categories=levels).codes
    dummies = (codes[:, None] == np.arange(1, len(levels))[None, :]).astype(float)
    return dummies, [f"{column}={level}" for level in levels[1:]]


def arm_columns(ipd: IpdData, treatment_name: str = "treatment") -> tuple[np.ndarray, list[str]]:
    """Dummy columns for each experimental arm against the control arm."""
    dummies = (ipd.arm[:, None] == np.arange(1, len(ipd.arm_levels))[None, :]).astype(float)
    return dummies, [f"{treatment_name}={level}" for level in ipd.arm_levels[1:]]


def arm_counts(ipd: IpdData) -> list[dict]:
    """Patients and events per arm."""
    n = np.bincount(ipd.arm, minlength=len(ipd.arm_levels))
    events = np.bincount(ipd.arm, weights=ipd.event, minlength=len(ipd.arm_levels))
    return [
        {"treatment": level, "n": int(n[i]), "events": int(events[i])}
        for i, level in enumerate(ipd.arm_levels)
    ]


def cox_from_ipd(ipd: IpdData, covariates: Sequence[str] = (), ties: str = "efron") -> dict:
    """Stratified Cox model of treatment (plus adjusting covariates) on prepared data."""
    arms, names = arm_columns(ipd)
    blocks = [arms]
    for column in covariates:
        block, block_names = covariate_columns(ipd.frame, column)
        blocks.append(block)
        names += block_names
    fit = fit_cox(ipd.time, ipd.event, np.hstack(blocks), ipd.stratum, names=names, ties=ties)
    comparisons = [
        {"treatment": level, "control": ipd.arm_levels[0], **fit.term(j)}
        for j, level in enumerate(ipd.arm_levels[1:])
    ]
    result = {
        "n": fit.n,
        "events": fit.events,
        "control": ipd.arm_levels[0],
        "treatment": ipd.arm_levels[1] if len(ipd.arm_levels) == 2 else None,
        "arms": arm_counts(ipd),
        "strata": len(ipd.stratum_levels),
        "ties": ties,
        "loglik": fit.loglik,
        "loglik_null": fit.loglik_null,
        "iterations": fit.iterations,
        "coefficients": [fit.term(j) for j in range(len(names))],
        "comparisons": comparisons,
        "notes": list(ipd.notes),
    }
    # The headline numbers are the treatment effect when there is one comparison.
    headline = comparisons[0] if len(comparisons) == 1 else dict.fromkeys(comparisons[0], None)
    for key in ("log_hr", "se", "hr", "hr_ci_lower", "hr_ci_upper", "z", "pval"):
        result[key] = headline[key]
    return result


def cox_treatment_effect(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    control: str | None = None,
    strata: str | None = None,
    covariates: Sequence[str] = (),
    ties: str = "efron",
) -> dict:
    """Hazard ratio of treatment against control from IPD, Cox model stratified by `strata`."""
    ipd = prepare_ipd(
        data,
        time=time,
        event=event,
        treatment=treatment,
        control=control,
        strata=strata,
        covariates=covariates,
    )
    return cox_from_ipd(ipd, covariates=covariates, ties=ties)


# --- treatment-by-covariate interaction ----------------------------------------------------------


def interaction_from_ipd(
    ipd: IpdData, covariate: str, *, categorical: bool | None = None, ties: str = "efron"
) -> dict:
    """Cox model with treatment, covariate and treatment×covariate; Wald test of the interaction."""
    if len(ipd.arm_levels) != 2:
        raise InputError("the interaction test needs exactly two arms (treatment and control)")
    if covariate not in ipd.frame.columns:
        raise InputError(f"interaction covariate '{covariate}' was not prepared with the data")
    values = ipd.frame[covariate]
    if categorical is None:
        # Binary codes (sex 0/1) read best as subgroups; other numbers as a linear trend.
        categorical = not pd.api.types.is_numeric_dtype(values) or values.nunique() <= 2
    arm = (ipd.arm == 1).astype(float)[:, None]
    cov, cov_names = covariate_columns(ipd.frame, covariate, categorical=categorical)
    product = arm * cov
    names = ["treatment", *cov_names, *[f"treatment:{name}" for name in cov_names]]
    fit = fit_cox(ipd.time, ipd.event, np.hstack([arm, cov, product]), ipd.stratum, names=names, ties=ties)
    q = len(cov_names)
    block = slice(1 + q, 1 + 2 * q)
    b = fit.coef[block]
    v = fit.var[block, block]
    chi2 = float(b @ np.linalg.solve(v, b))
    result = {
        "covariate": covariate,
        "kind": "categorical" if categorical else "continuous",
        "terms": [fit.term(j) for j in range(len(names))],
        "interaction": [fit.term(j) for j in range(1 + q, 1 + 2 * q)],
        "chi2": chi2,
        "df": q,
        "pval": float(stats.chi2.sf(chi2, q)),
        "loglik": fit.loglik,
        "n": fit.n,
        "events": fit.events,
    }
    if q == 1:
        result.update({"estimate": float(b[0]), "se": float(np.sqrt(v[0, 0]))})
    if categorical:
        result["subgroups"] = _subgroup_effects(ipd, covariate, ties)
    else:
        result["subgroups"] = _effects_at_values(fit, values.to_numpy(dtype=float))
    return result


def _subgroup_effects(ipd: IpdData, covariate: str, ties: str) -> list[dict]:
    """Stratified Cox model of treatment within each level of a categorical covariate."""
    labels = level_labels(ipd.frame[covariate]).to_numpy()
    rows = []
    for level in sorted(set(labels)):
        keep = labels == level
        arm, event = ipd.arm[keep], ipd.event[keep]
        row = {
            "level": level,
            "n": int(keep.sum()),
            "events": int(event.sum()),
            "events_per_arm": np.bincount(arm, weights=event, minlength=2).astype(int).tolist(),
        }
        try:
            fit = fit_cox(
                ipd.time[keep],
                event,
                (arm == 1).astype(float),
                ipd.stratum[keep],
                names=["treatment"],
                ties=ties,
            )
            row.update(fit.term(0))
        except (InputError, ConvergenceError) as exc:
            row.update({"log_hr": None, "se": None, "hr": None, "hr_ci_lower": None, "hr_ci_upper": None})
            row.update({"z": None, "pval": None, "note": str(exc)})
        rows.append(row)
    return rows


def _effects_at_values(fit: CoxFit, values: np.ndarray) -> list[dict]:
    """Treatment log HR at the quartiles of a continuous covariate, from the interaction model."""
    rows = []
    for label, quantile in (("25th percentile", 0.25), ("median", 0.5), ("75th percentile", 0.75)):
        at = float(np.quantile(values, quantile))
        gradient = np.zeros(fit.coef.size)
        gradient[0], gradient[2] = 1.0, at  # d(beta_trt + at * beta_int)
        log_hr = float(gradient @ fit.coef)
        se = float(np.sqrt(gradient @ fit.var @ gradient))
        rows.append({"level": f"{label} ({at:g})", "value": at, **wald_row("treatment", log_hr, se)})
    return rows


def interaction_test(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    covariate: str,
    control: str | None = None,
    strata: str | None = None,
    categorical: bool | None = None,
    ties: str = "efron",
) -> dict:
    """Treatment-by-covariate interaction in a stratified Cox model, with treatment HRs per subgroup."""
    ipd = prepare_ipd(
        data,
        time=time,
        event=event,
        treatment=treatment,
        control=control,
        strata=strata,
        covariates=[covariate],
    )
    result = interaction_from_ipd(ipd, covariate, categorical=categorical, ties=ties)
    result["notes"] = list(ipd.notes)
    return result
