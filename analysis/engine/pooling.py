"""Pooling: inverse-variance fixed and random effects, Mantel-Haenszel and Peto.

Numbers follow metafor 3.8: ``rma.uni`` (with ``predict`` and ``confint``),
``rma.mh`` and ``rma.peto``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import chdtrc, ndtr, ndtri, stdtr, stdtrit

from .errors import InputError
from .heterogeneity import cochran_q, i2_h2_fixed, i2_h2_random, q_profile_interval
from .projection import Projection
from .tau2 import TAU2_METHODS, estimate_tau2

INVERSE_VARIANCE_METHODS = ("FE", *TAU2_METHODS)
METHODS = (*INVERSE_VARIANCE_METHODS, "MH", "PETO")
TESTS = ("z", "knha")


@dataclass
class PooledEstimate:
    """One pooled result on the analysis scale (log scale for ratios)."""

    method: str
    test: str
    level: float
    k: int
    estimate: float
    se: float
    statistic: float
    pval: float
    ci_lower: float
    ci_upper: float
    q: float
    q_df: int
    q_pval: float
    tau2: float | None
    i2: float | None
    h2: float | None
    df: int | None = None  # t degrees of freedom (knha)
    pi_lower: float | None = None
    pi_upper: float | None = None
    tau2_ci_lower: float | None = None
    tau2_ci_upper: float | None = None
    i2_ci_lower: float | None = None
    i2_ci_upper: float | None = None
    h2_ci_lower: float | None = None
    h2_ci_upper: float | None = None
    iterations: int = 0
    weights: np.ndarray | None = None  # percent, aligned with the studies pooled
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The JSON keys of the reference cases (weights are reported per study elsewhere)."""
        out = {
            "k": self.k,
            "method": self.method,
            "test": self.test,
            "estimate": self.estimate,
            "se": self.se,
            "statistic": self.statistic,
            "df": self.df,
            "pval": self.pval,
            "ci_lower": self.ci_lower,
            "ci_upper": self.ci_upper,
            "q": self.q,
            "q_df": self.q_df,
            "q_pval": self.q_pval,
            "tau2": self.tau2,
            "tau": None if self.tau2 is None else math.sqrt(self.tau2),
            "i2": self.i2,
            "h2": self.h2,
            "pi_lower": self.pi_lower,
            "pi_upper": self.pi_upper,
        }
        if self.tau2_ci_lower is not None:
            out.update(
                tau2_ci_lower=self.tau2_ci_lower,
                tau2_ci_upper=self.tau2_ci_upper,
                i2_ci_lower=self.i2_ci_lower,
                i2_ci_upper=self.i2_ci_upper,
                h2_ci_lower=self.h2_ci_lower,
                h2_ci_upper=self.h2_ci_upper,
            )
        return out


def critical_value(level: float, df: int | None) -> float:
    """Two-sided critical value: normal, or t with df degrees of freedom."""
    alpha = 1.0 - level / 100.0
    if df is None:
        return float(-ndtri(alpha / 2))
    return float(-stdtrit(df, alpha / 2))


def two_sided_pval(statistic: float, df: int | None) -> float:
    """Two-sided p-value of a z (df None) or t statistic."""
    if df is None:
        return float(2.0 * ndtr(-abs(statistic)))
    return float(2.0 * stdtr(df, -abs(statistic)))


def check_variances(vi: np.ndarray, studies: list[str] | None = None) -> None:
    """Refuse negative, zero or non-finite sampling variances, naming the first study at fault."""
    bad = np.flatnonzero(~(vi > 0) | ~np.isfinite(vi))
    if bad.size:
        i = int(bad[0])
        name = studies[i] if studies else f"#{i + 1}"
        problem = "negative" if vi[i] < 0 else ("zero" if vi[i] == 0 else "not a finite number")
        raise InputError(f"sampling variance is {problem} ({vi[i]!r}); it must be positive", study=name)


def pool_inverse_variance(
    yi: np.ndarray,
    vi: np.ndarray,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    *,
    tau2_interval: bool = True,
) -> PooledEstimate:
    """Fixed-effect (method "FE") or random-effects inverse-variance pooling of yi with variances vi.

    Random effects: tau² by ``method``; ``test="knha"`` scales the variance by the
    Hartung-Knapp factor and uses t(k-1). The prediction interval is metafor's
    ``predict()``: estimate ± crit·sqrt(se² + tau²); for FE it equals the CI.
    """
    method = method.upper()
    if method not in INVERSE_VARIANCE_METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if test not in TESTS:
        raise InputError(f"unknown test {test!r}; choose 'z' or 'knha'")
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    k = yi.size
    if k == 0:
        raise InputError("no studies to pool")
    if method != "FE" and k < 2:
        raise InputError(
            f"a random-effects model ({method}) needs at least 2 studies; found {k}. "
            "Use the fixed-effect method (FE) or add studies"
        )
    if not np.all(vi > 0) or not np.all(np.isfinite(yi)):
        check_variances(vi)
        raise InputError("an effect size is not a finite number")
    projection = Projection(yi)
    notes: list[str] = []
    iterations = 0
    tau2 = 0.0
    if method != "FE":
        fitted = estimate_tau2(yi, vi, method)
        tau2, iterations = fitted.tau2, fitted.iterations

    w = 1.0 / (vi + tau2)
    sum_w = float(w.sum())
    estimate = float(w @ yi) / sum_w
    variance = 1.0 / sum_w
    df = None
    if test == "knha":
        if k < 2:
            raise InputError("the Hartung-Knapp test needs at least 2 studies")
        # metafor: s2w = RSS/(k-p) at the model weights, 0 when RSS is (numerically) zero
        residual = yi - estimate
        rss = float((w * residual) @ residual)
        variance *= 0.0 if rss <= np.finfo(float).eps else rss / (k - 1)
        df = k - 1
    se = math.sqrt(variance)
    statistic = estimate / se if se > 0 else math.copysign(math.inf, estimate)
    crit = critical_value(level, df)

    heterogeneity = cochran_q(projection, vi)
    if method == "FE":
        i2, h2 = i2_h2_fixed(heterogeneity.q, heterogeneity.q_df)
    elif heterogeneity.q_df >= 1:
        i2, h2 = i2_h2_random(tau2, heterogeneity.typical_variance)
    else:
        i2, h2 = 0.0, 1.0
    pi_half_width = crit * math.sqrt(variance + tau2)
    result = PooledEstimate(
        method=method,
        test=test,
        level=level,
        k=k,
        estimate=estimate,
        se=se,
        statistic=statistic,
        pval=two_sided_pval(statistic, df),
        ci_lower=estimate - crit * se,
        ci_upper=estimate + crit * se,
        q=heterogeneity.q,
        q_df=heterogeneity.q_df,
        q_pval=heterogeneity.q_pval,
        tau2=tau2,
        i2=i2,
        h2=h2,
        df=df,
        pi_lower=estimate - pi_half_width,
        pi_upper=estimate + pi_half_width,
        iterations=iterations,
        weights=100.0 * w / sum_w,
        notes=notes,
    )
    if method != "FE" and tau2_interval and heterogeneity.q_df >= 1:
        interval = q_profile_interval(projection, vi, tau2, heterogeneity.typical_variance, level)
        result.tau2_ci_lower, result.tau2_ci_upper = interval.tau2_lower, interval.tau2_upper
        result.i2_ci_lower, result.i2_ci_upper = interval.i2_lower, interval.i2_upper
        result.h2_ci_lower, result.h2_ci_upper = interval.h2_lower, interval.h2_upper
        notes.extend(interval.notes)
    return result


def _fixed_style_result(
    method: str,
    level: float,
    k: int,
    estimate: float,
    se: float,
    q: float,
    q_df: int,
    weights: np.ndarray,
    notes: list[str],
) -> PooledEstimate:
    """Assemble an MH or Peto result: z test, Q on q_df df, I² and H² from Q (as rma.mh/rma.peto)."""
    crit = critical_value(level, None)
    statistic = estimate / se
    if q_df >= 1:
        q_pval = float(chdtrc(q_df, q))
        i2, h2 = i2_h2_fixed(q, q_df)
    else:
        q, q_pval, i2, h2 = 0.0, 1.0, 0.0, 1.0
    return PooledEstimate(
        method=method,
        test="z",
        level=level,
        k=k,
        estimate=estimate,
        se=se,
        statistic=statistic,
        pval=two_sided_pval(statistic, None),
        ci_lower=estimate - crit * se,
        ci_upper=estimate + crit * se,
        q=q,
        q_df=q_df,
        q_pval=q_pval,
        tau2=None,
        i2=i2,
        h2=h2,
        pi_lower=estimate - crit * se,
        pi_upper=estimate + crit * se,
        weights=weights,
        notes=notes,
    )


def pool_mantel_haenszel(
    tables: dict[str, np.ndarray],
    measure: str,
    yi: np.ndarray,
    vi: np.ndarray,
    level: float = 95.0,
) -> PooledEstimate:
    """Mantel-Haenszel pooled OR, RR or RD from the uncorrected 2×2 ``tables`` (rma.mh).

    Variances: Robins-Breslow-Greenland for OR, Greenland-Robins for RR, and
    the Sato/Greenland-Robins formula for RD. Q is Cochran's Q of the
    inverse-variance effect sizes ``yi, vi`` (double-zero tables excluded) about
    the MH estimate, on k.yi - 1 df.
    """
    ai, bi, ci, di = (np.asarray(tables[c], dtype=float) for c in ("ai", "bi", "ci", "di"))
    n1, n2 = ai + bi, ci + di
    n = n1 + n2
    k = ai.size
    notes: list[str] = []
    if measure == "OR":
        p_i, q_i = (ai + di) / n, (bi + ci) / n
        r_i, s_i = ai * di / n, bi * ci / n
        r, s = r_i.sum(), s_i.sum()
        if r == 0 or s == 0:
            raise InputError("the Mantel-Haenszel odds ratio is 0 or infinite (no events in one arm overall)")
        estimate = math.log(r / s)
        se = math.sqrt(0.5 * ((p_i @ r_i) / r**2 + (p_i @ s_i + q_i @ r_i) / (r * s) + (q_i @ s_i) / s**2))
        weights = s_i
    elif measure == "RR":
        r, s = float(ai @ (n2 / n)), float(ci @ (n1 / n))
        if ai.sum() == 0 or ci.sum() == 0:
            raise InputError("the Mantel-Haenszel risk ratio is 0 or infinite (no events in one arm overall)")
        estimate = math.log(r / s)
        se = math.sqrt(float(np.sum((n1 / n) * (n2 / n) * (ai + ci) - (ai / n) * ci)) / (r * s))
        weights = ci * n1 / n
    elif measure == "RD":
        denominator = float(np.sum(n1 * (n2 / n)))
        estimate = float(np.sum(ai * (n2 / n) - ci * (n1 / n))) / denominator
        numerator = (
            estimate
            * float(np.sum(ci * (n1 / n) ** 2 - ai * (n2 / n) ** 2 + (n1 / n) * (n2 / n) * (n2 - n1) / 2))
            + float(np.sum(ai * (n2 - ci) / n + ci * (n1 - ai) / n)) / 2
        )
        se = math.sqrt(numerator / denominator**2)
        weights = n1 * n2 / n
    else:
        raise InputError(f"Mantel-Haenszel pooling is for OR, RR or RD, not {measure}")
    q = max(0.0, float(np.sum((yi - estimate) ** 2 / vi))) if yi.size else 0.0
    total = weights.sum()
    return _fixed_style_result(
        "MH", level, k, estimate, se, q, yi.size - 1, 100.0 * weights / total if total > 0 else weights, notes
    )


def pool_peto(tables: dict[str, np.ndarray], k_yi: int, level: float = 95.0) -> PooledEstimate:
    """Peto's one-step odds ratio: sum(O - E) / sum(V), se = 1/sqrt(sum(V)) (rma.peto)."""
    ai, bi, ci, di = (np.asarray(tables[c], dtype=float) for c in ("ai", "bi", "ci", "di"))
    n1, n2 = ai + bi, ci + di
    n = n1 + n2
    events, non_events = ai + ci, bi + di
    expected = events * n1 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = events * non_events * (n1 / n) * (n2 / n) / (n - 1)
    variance = np.where(np.isfinite(variance), variance, 0.0)
    sum_v = float(variance.sum())
    if sum_v == 0:
        raise InputError("one of the two outcomes never occurred in any table; Peto's method cannot be used")
    o_minus_e = ai - expected
    estimate = float(o_minus_e.sum()) / sum_v
    se = math.sqrt(1.0 / sum_v)
    informative = variance > 0
    q = max(
        0.0, float(np.sum(o_minus_e[informative] ** 2 / variance[informative])) - o_minus_e.sum() ** 2 / sum_v
    )
    q_df = k_yi - 1 if int(informative.sum()) > 1 else 0
    return _fixed_style_result("PETO", level, ai.size, estimate, se, q, q_df, 100.0 * variance / sum_v, [])
