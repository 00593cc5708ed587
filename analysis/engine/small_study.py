"""Small-study effects and influence: Egger's regression test and leave-one-out."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .constants import MIN_STUDIES_FOR_SMALL_STUDY_TESTS
from .errors import InputError
from .pooling import PooledEstimate, two_sided_pval
from .results import SmallStudyTest


def egger_test(yi: np.ndarray, vi: np.ndarray) -> SmallStudyTest:
    """metafor's ``regtest(model="lm", predictor="sei")``: ``lm(yi ~ sei, weights = 1/vi)``, t-test of sei."""
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    k = yi.size
    if k < MIN_STUDIES_FOR_SMALL_STUDY_TESTS:
        raise InputError(f"at least {MIN_STUDIES_FOR_SMALL_STUDY_TESTS} studies are needed; found {k}")
    sei = np.sqrt(vi)
    if np.ptp(sei) <= 1e-10 * float(np.max(sei)):
        # The regressor is constant: its column and the intercept's are collinear.
        raise InputError("the studies need different precisions; every study has the same standard error")
    w = 1.0 / vi
    X = np.column_stack([np.ones(k), sei])
    WX = X * w[:, None]
    xtwx_inv = np.linalg.inv(X.T @ WX)
    beta = xtwx_inv @ (WX.T @ yi)
    residual = yi - X @ beta
    sigma2 = float((w * residual) @ residual) / (k - 2)  # lm's residual variance with weights
    slope_se = math.sqrt(sigma2 * xtwx_inv[1, 1])
    statistic = float(beta[1]) / slope_se
    return SmallStudyTest(
        statistic=statistic,
        df=k - 2,
        pval=two_sided_pval(statistic, k - 2),
        intercept=float(beta[0]),
        slope=float(beta[1]),
        slope_se=slope_se,
    )


def leave_one_out_rows(studies: list[str], pool: Callable[[np.ndarray], PooledEstimate]) -> list[dict]:
    """Refit without each study in turn; ``pool(mask)`` pools the studies where mask is True."""
    rows = []
    for i, study in enumerate(studies):
        mask = np.ones(len(studies), dtype=bool)
        mask[i] = False
        fit = pool(mask)
        rows.append(
            {
                "study": study,
                "k": fit.k,
                "estimate": fit.estimate,
                "se": fit.se,
                "ci_lower": fit.ci_lower,
                "ci_upper": fit.ci_upper,
                "pval": fit.pval,
                "q": fit.q,
                "q_pval": fit.q_pval,
                "tau2": fit.tau2,
                "i2": fit.i2,
            }
        )
    return rows
