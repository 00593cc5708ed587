"""Weighted least-squares quantities that every tau² estimator and Q statistic needs.

metafor writes its estimators with the projection matrix
``P = W - W X (X'WX)^-1 X'W`` (W = diag of the weights). For the common
intercept-only model P has a closed form in sums of the weights, which is what
makes a random-effects fit take microseconds; meta-regression uses the dense
matrix. Both give the same numbers.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class ProjectionStats(NamedTuple):
    """Quantities of ``P`` for one set of weights (names follow metafor's rma.uni code)."""

    rss: float  # Y'PY: the (generalised) Q statistic
    tr_p: float  # trace(P)
    tr_pp: float  # trace(PP)
    y_pp_y: float  # Y'PPY
    sum_w: float
    sum_w2: float
    diag_p: np.ndarray  # diag(P)


class Projection:
    """Evaluates ``P`` for the outcomes ``yi`` and the design ``X`` at any weights.

    ``X=None`` means the intercept-only model and uses the closed forms.
    """

    def __init__(self, yi: np.ndarray, X: np.ndarray | None = None):
        # metafor centres yi before estimating tau² (Ymc); P annihilates constants
        # whenever an intercept is in the model, so this only improves precision.
        self.yi = np.asarray(yi, dtype=float)
        self.k = self.yi.size
        self.X = None if X is None else np.asarray(X, dtype=float)
        self.p = 1 if X is None else self.X.shape[1]
        self.y_centred = self.yi - self.yi.mean()

    def residual_sum_of_squares(self, w: np.ndarray) -> float:
        """Y'PY at weights w, the quantity the Q-profile and Paule-Mandel root-finders solve for."""
        y = self.y_centred
        if self.X is None:
            wy = w * y
            sum_w = w.sum()
            return float(wy @ y - wy.sum() ** 2 / sum_w)
        beta = self.wls(w, y)
        r = y - self.X @ beta
        return float((w * r) @ r)

    def q_and_slope(self, w: np.ndarray) -> tuple[float, float]:
        """Y'PY and its derivative in tau², -Y'PPY, at weights w = 1/(vi + tau²)."""
        y = self.y_centred
        if self.X is None:
            mean = (w @ y) / w.sum()
            residual = y - mean
            py = w * residual
            return float(py @ residual), -float(py @ py)
        py = self.matrix(w) @ y
        return float(y @ py), -float(py @ py)

    def wls(self, w: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Weighted least-squares coefficients of y on X."""
        sw = np.sqrt(w)
        beta, *_ = np.linalg.lstsq(self.X * sw[:, None], y * sw, rcond=None)
        return beta

    def stats(self, w: np.ndarray) -> ProjectionStats:
        """Every quantity of P the estimators use, at weights w."""
        y = self.y_centred
        if self.X is None:
            sum_w = w.sum()
            w2 = w * w
            sum_w2 = w2.sum()
            wy = w * y
            mean = wy.sum() / sum_w
            py = w * (y - mean)  # P Y
            rss = float(py @ (y - mean))
            # trace(PP) for P = W - w w'/sum(w): sum(w²) - 2 sum(w³)/sum(w) + (sum(w²)/sum(w))²
            tr_pp = sum_w2 - 2.0 * (w2 @ w) / sum_w + (sum_w2 / sum_w) ** 2
            return ProjectionStats(
                rss=rss,
                tr_p=float(sum_w - sum_w2 / sum_w),
                tr_pp=float(tr_pp),
                y_pp_y=float(py @ py),
                sum_w=float(sum_w),
                sum_w2=float(sum_w2),
                diag_p=w - w2 / sum_w,
            )
        P = self.matrix(w)
        py = P @ y
        return ProjectionStats(
            rss=float(y @ py),
            tr_p=float(np.trace(P)),
            tr_pp=float(np.sum(P * P)),
            y_pp_y=float(py @ py),
            sum_w=float(w.sum()),
            sum_w2=float(w @ w),
            diag_p=np.diag(P).copy(),
        )

    def matrix(self, w: np.ndarray) -> np.ndarray:
        """The dense ``P = W - W X (X'WX)^-1 X'W``."""
        X = self.X if self.X is not None else np.ones((self.k, 1))
        WX = X * w[:, None]
        middle = np.linalg.solve(X.T @ WX, WX.T)
        return np.diag(w) - WX @ middle
