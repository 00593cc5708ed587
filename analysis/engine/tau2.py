"""Estimators of the between-study variance tau², as metafor's ``rma.uni`` computes them.

Each function follows the corresponding block of metafor 3.8's ``rma.uni``;
every estimate is truncated at 0 at the end, as metafor does with
``tau2 <- max(tau2.min, tau2)`` (``tau2.min = 0``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ConvergenceError, InputError
from .heterogeneity import solve_generalised_q
from .projection import Projection

TAU2_METHODS = ("DL", "REML", "PM", "ML", "HS", "SJ", "HE", "EB")

# The reference was computed with threshold = tol = 1e-12; converging a little
# tighter makes our optimum at least as exact as theirs.
THRESHOLD = 1e-13
MAX_ITERATIONS = 1000


@dataclass(frozen=True)
class Tau2Estimate:
    """A tau² estimate and the number of iterations it took (0 for closed forms)."""

    tau2: float
    iterations: int = 0


def estimate_tau2(yi: np.ndarray, vi: np.ndarray, method: str, X: np.ndarray | None = None) -> Tau2Estimate:
    """Estimate tau² for the outcomes yi with sampling variances vi (and moderators X)."""
    projection = Projection(yi, X)
    k, p = projection.k, projection.p
    if k - p < 1:
        raise InputError(
            f"a random-effects model with {p} coefficient(s) needs at least {p + 1} studies; found {k}"
        )
    method = method.upper()
    if method == "DL":
        # (Q - (k-p)) / tr(P) at the fixed-effect weights
        s = projection.stats(1.0 / vi)
        estimate = Tau2Estimate((s.rss - (k - p)) / s.tr_p)
    elif method == "HS":
        s = projection.stats(1.0 / vi)
        estimate = Tau2Estimate((s.rss - k) / s.sum_w)
    elif method == "HE":
        estimate = Tau2Estimate(_hedges(projection, vi))
    elif method == "SJ":
        # one step from the initial value var(yi)·(k-1)/k (metafor's default tau2.init)
        tau2_0 = float(np.mean(projection.y_centred**2))
        s = projection.stats(1.0 / (vi + tau2_0))
        estimate = Tau2Estimate(tau2_0 * s.rss / (k - p))
    elif method == "PM":
        estimate = Tau2Estimate(paule_mandel(projection, vi, target=k - p))
    elif method == "REML" and X is None:
        estimate = _reml_intercept_only(projection, vi)
    elif method in ("ML", "REML", "EB"):
        estimate = _fisher_scoring(projection, vi, method)
    else:
        raise InputError(f"unknown tau² estimator {method!r}; choose one of {', '.join(TAU2_METHODS)}")
    return Tau2Estimate(max(0.0, float(estimate.tau2)), estimate.iterations)


def _hedges(projection: Projection, vi: np.ndarray) -> float:
    """Hedges' estimator: (RSS_ols - tr(P_ols V)) / (k - p), with unweighted least squares."""
    if projection.X is None:
        k = projection.k
        y = projection.y_centred
        return (float(y @ y) - float(vi.sum()) * (1 - 1 / k)) / (k - 1)
    s = projection.stats(np.ones(projection.k))
    return (s.rss - float(s.diag_p @ vi)) / (projection.k - projection.p)


def paule_mandel(projection: Projection, vi: np.ndarray, target: float) -> float:
    """The tau² at which the generalised Q equals ``target`` (0 when Q(0) is already below it)."""

    def q_at(tau2: float) -> float:
        return projection.residual_sum_of_squares(1.0 / (vi + tau2))

    if q_at(0.0) < target:
        return 0.0
    upper = 100.0  # metafor's tau2.max; widened when the root lies beyond it
    for _ in range(60):
        if q_at(upper) < target:
            return solve_generalised_q(projection, vi, target, upper)
        upper *= 10.0
    raise ConvergenceError("the search for tau² found no upper bound; the variances may be degenerate")


def _reml_intercept_only(projection: Projection, vi: np.ndarray) -> Tau2Estimate:
    """REML for the intercept-only model by Newton's method (Fisher scoring where Newton cannot step).

    Same optimum as metafor's Fisher scoring, in about a third of the iterations:
    with P = W - ww'/sum(w), the REML score is (Y'PPY - tr P)/2 and its
    derivative tr(PP)/2 - Y'PPPY, all sums of the weights.
    """
    y = projection.y_centred
    tau2 = max(0.0, _hedges(projection, vi))
    for iterations in range(1, MAX_ITERATIONS + 1):
        w = 1.0 / (vi + tau2)
        sum_w = w.sum()
        w2 = w * w
        sum_w2 = w2.sum()
        residual = y - (w @ y) / sum_w
        py = w * residual  # P Y
        ppy = w * py - w * ((w @ py) / sum_w)  # P P Y
        score = float(py @ py) - (sum_w - sum_w2 / sum_w)  # Y'PPY - tr(P)
        tr_pp = sum_w2 - 2.0 * (w2 @ w) / sum_w + (sum_w2 / sum_w) ** 2
        curvature = 2.0 * float(py @ ppy) - tr_pp  # minus twice the second derivative
        step = score / curvature if curvature > 0 else score / tr_pp
        if not math.isfinite(step):
            raise ConvergenceError("the REML estimate of tau² is not finite")
        if tau2 + step < 0.0:
            if _reml_score(projection, vi, 0.0) <= 0.0:
                # the likelihood falls from tau² = 0 on: the estimate is truncated at 0
                return Tau2Estimate(0.0, iterations)
            while tau2 + step < 0.0:
                step /= 2.0
        tau2 += step
        if abs(step) <= THRESHOLD * max(1.0, tau2):
            if (
                tau2 > THRESHOLD
                and _log_likelihood(projection, vi, 0.0, "REML")
                > _log_likelihood(projection, vi, tau2, "REML") + 1e-12
            ):
                tau2 = 0.0  # metafor's ll0check
            return Tau2Estimate(tau2, iterations)
    raise ConvergenceError(
        "Newton's method for the REML estimate of tau² did not converge", iterations=MAX_ITERATIONS
    )


def _reml_score(projection: Projection, vi: np.ndarray, tau2: float) -> float:
    """Twice the REML score at tau²: Y'PPY - tr(P)."""
    w = 1.0 / (vi + tau2)
    sum_w = w.sum()
    py = w * (projection.y_centred - (w @ projection.y_centred) / sum_w)
    return float(py @ py) - float(sum_w - (w @ w) / sum_w)


def _fisher_scoring(projection: Projection, vi: np.ndarray, method: str) -> Tau2Estimate:
    """ML, REML and EB by Fisher scoring from the Hedges estimate, with step-halving at 0."""
    k, p = projection.k, projection.p
    tau2 = max(0.0, _hedges(projection, vi))
    change = math.inf
    iterations = 0
    while change > THRESHOLD * max(1.0, tau2):
        iterations += 1
        if iterations > MAX_ITERATIONS:
            raise ConvergenceError(
                f"Fisher scoring for the {method} estimate of tau² did not converge",
                iterations=MAX_ITERATIONS,
                change=change,
            )
        w = 1.0 / (vi + tau2)
        s = projection.stats(w)
        if method == "REML":
            step = (s.y_pp_y - s.tr_p) / s.tr_pp
        elif method == "ML":
            step = (s.y_pp_y - s.sum_w) / s.sum_w2
        else:  # EB (Morris): the fixed point is Q(tau²) = k - p, as for Paule-Mandel
            step = (s.rss * k / (k - p) - k) / s.sum_w
        if not math.isfinite(step):
            raise ConvergenceError(f"the {method} estimate of tau² is not finite")
        while tau2 + step < 0.0:
            step /= 2.0
        change = abs(step)
        tau2 += step
    if method in ("ML", "REML") and tau2 > THRESHOLD:
        # metafor's ll0check: keep tau² = 0 if the likelihood is larger there
        if (
            _log_likelihood(projection, vi, 0.0, method) - _log_likelihood(projection, vi, tau2, method)
            > 1e-12
        ):
            tau2 = 0.0
    return Tau2Estimate(tau2, iterations)


def _log_likelihood(projection: Projection, vi: np.ndarray, tau2: float, method: str) -> float:
    """The (restricted) log-likelihood at tau², up to metafor's constants."""
    w = 1.0 / (vi + tau2)
    ll = -0.5 * float(np.sum(np.log(vi + tau2))) - 0.5 * projection.residual_sum_of_squares(w)
    if method == "REML" and projection.X is None:
        ll -= 0.5 * math.log(float(w.sum()))
    elif method == "REML":
        X = projection.X if projection.X is not None else np.ones((projection.k, 1))
        ll -= 0.5 * float(np.linalg.slogdet(X.T @ (X * w[:, None]))[1])
    return ll
