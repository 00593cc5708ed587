"""Heterogeneity statistics: Q, I², H², and Q-profile confidence intervals for tau² and I².

Follows metafor 3.8: ``rma.uni`` for Q, I² and H², ``confint.rma.uni`` (type "QP")
for the intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc, chdtri

from .projection import Projection


@dataclass(frozen=True)
class Heterogeneity:
    """Cochran's Q with its test, and the "typical" within-study variance behind I² and H²."""

    q: float
    q_df: int
    q_pval: float
    typical_variance: float  # s² = (k-p) / tr(P) at the fixed-effect weights


def cochran_q(projection: Projection, vi: np.ndarray) -> Heterogeneity:
    """Q = Y'PY at the fixed-effect weights 1/vi, tested on chi² with k - p df."""
    df = projection.k - projection.p
    if df < 1:
        # metafor: QE = 0, QEp = 1 when there are no residual degrees of freedom
        return Heterogeneity(q=0.0, q_df=0, q_pval=1.0, typical_variance=0.0)
    w = 1.0 / vi
    if projection.X is None:
        sum_w = w.sum()
        tr_p = float(sum_w - (w @ w) / sum_w)  # trace(P) for the intercept-only model
        q = projection.residual_sum_of_squares(w)
    else:
        s = projection.stats(w)
        tr_p, q = s.tr_p, s.rss
    q = max(0.0, q)
    return Heterogeneity(q=q, q_df=df, q_pval=float(chdtrc(df, q)), typical_variance=df / tr_p)


def i2_h2_random(tau2: float, typical_variance: float) -> tuple[float, float]:
    """I² (percent) and H² from tau² and the typical within-study variance (metafor i2def 1)."""
    return 100.0 * tau2 / (typical_variance + tau2), tau2 / typical_variance + 1.0


def i2_h2_fixed(q: float, df: int) -> tuple[float | None, float | None]:
    """I² (percent) and H² of a fixed-effect model, from Q itself: max(0, (Q - df)/Q)."""
    if df < 1:
        return 0.0, 1.0
    i2 = max(0.0, 100.0 * (q - df) / q) if q > 0 else 0.0
    return i2, q / df


@dataclass(frozen=True)
class Tau2Interval:
    """Q-profile interval for tau², with the I² and H² intervals derived from its ends."""

    tau2_lower: float
    tau2_upper: float
    i2_lower: float
    i2_upper: float
    h2_lower: float
    h2_upper: float
    notes: tuple[str, ...] = ()


def q_profile_interval(
    projection: Projection, vi: np.ndarray, tau2: float, typical_variance: float, level: float = 95.0
) -> Tau2Interval:
    """Q-profile confidence interval for tau² (Viechtbauer 2007), as ``confint.rma.uni``.

    The bounds solve Q(tau²) = chi²-quantile, where Q(tau²) is the generalised Q
    at weights 1/(vi + tau²); metafor searches in [0, max(100, 10·tau²)] and
    reports the end of that range when the root lies beyond it.
    """
    df = projection.k - projection.p
    alpha = 1.0 - level / 100.0
    crit_upper = float(chdtri(df, alpha / 2))  # qchisq(alpha/2, df, lower.tail = FALSE)
    crit_lower = float(chdtri(df, 1.0 - alpha / 2))  # qchisq(alpha/2, df, lower.tail = TRUE)
    tau2_max = max(100.0, 10.0 * tau2)
    notes: list[str] = []

    def q_at(t: float) -> float:
        return projection.residual_sum_of_squares(1.0 / (vi + t))

    q_min, q_max = q_at(0.0), q_at(tau2_max)

    def root(target: float) -> float:
        return solve_generalised_q(projection, vi, target, tau2_max)

    if q_min < crit_lower:
        upper = lower = 0.0
    else:
        if q_max > crit_lower:
            upper = tau2_max
            notes.append(f"the upper bound of the tau² interval lies above {tau2_max:g} (search limit)")
        else:
            upper = root(crit_lower)
    if q_max > crit_upper:
        lower = upper = tau2_max
        notes.append(f"the tau² interval lies above {tau2_max:g} (search limit)")
    elif q_min < crit_upper:
        lower = 0.0
    else:
        lower = root(crit_upper)
    i2_lower, h2_lower = i2_h2_random(lower, typical_variance)
    i2_upper, h2_upper = i2_h2_random(upper, typical_variance)
    return Tau2Interval(lower, upper, i2_lower, i2_upper, h2_lower, h2_upper, tuple(notes))


def solve_generalised_q(projection: Projection, vi: np.ndarray, target: float, upper: float) -> float:
    """The tau² in [0, upper] where the generalised Q(tau²) = Y'PY equals ``target``.

    Q decreases in tau² and Q' = -Y'PPY is cheap, so this is Newton's method kept
    inside a shrinking bracket (bisection when a Newton step would leave it); it
    needs Q(0) >= target >= Q(upper). It converges to machine precision in a
    handful of steps, where a derivative-free root finder needs twenty or more.
    """
    lower, x = 0.0, 0.0
    for _ in range(200):
        q, slope = projection.q_and_slope(1.0 / (vi + x))
        excess = q - target
        if excess == 0.0:
            return x
        if excess > 0.0:
            lower = x
        else:
            upper = x
        step = -excess / slope if slope < 0.0 else np.inf
        candidate = x + step
        if not lower < candidate < upper:
            candidate = 0.5 * (lower + upper)
        if abs(candidate - x) <= 1e-15 + 1e-14 * x:
            return candidate
        x = candidate
    return x
