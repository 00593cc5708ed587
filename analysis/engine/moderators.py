"""Subgroup analysis and meta-regression (mixed-effects models), as metafor computes them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import chdtrc, fdtrc

from .errors import InputError
from .heterogeneity import cochran_q, i2_h2_random
from .io import parse_number
from .pooling import PooledEstimate, critical_value, pool_inverse_variance, two_sided_pval
from .projection import Projection
from .tau2 import estimate_tau2


# ---------------------------------------------------------------- design matrix
def level_name(value) -> str:
    """A subgroup or factor level as R prints it (1.0 -> "1")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def design_matrix(rows: list[dict], columns: list[str], studies: list[str]) -> tuple[np.ndarray, list[str]]:
    """The model matrix of ``~ col1 + col2 ...``: an intercept, numeric columns as they are,
    and a text column as dummies for each level but the first (named column+level, as R does)."""
    k = len(rows)
    blocks, names = [np.ones((k, 1))], ["intercept"]
    for column in columns:
        raw = [row.get(column) for row in rows]
        try:
            numbers = [parse_number(v, column=column, study=s) for v, s in zip(raw, studies, strict=True)]
        except InputError:
            numbers = None
        if numbers is not None:
            blocks.append(np.asarray(numbers, dtype=float)[:, None])
            names.append(column)
            continue
        labels = [level_name(v) for v in raw]
        levels = sorted(set(labels))
        for level in levels[1:]:
            blocks.append(np.asarray([1.0 if label == level else 0.0 for label in labels])[:, None])
            names.append(f"{column}{level}")
    X = np.hstack(blocks)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise InputError(f"the moderators {', '.join(columns)} are redundant (collinear) for these studies")
    if X.shape[1] + 1 > k:
        raise InputError(
            f"meta-regression with {X.shape[1]} coefficients needs more than {X.shape[1]} studies"
        )
    return X, names


# ------------------------------------------------------------ meta-regression
@dataclass
class MetaRegression:
    """A mixed-effects meta-regression: coefficients, omnibus test QM, residual heterogeneity."""

    method: str
    test: str
    k: int
    names: list[str]
    beta: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    pval: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    df: int | None
    qm: float
    qm_df: int
    qm_pval: float
    tau2: float
    q: float
    q_df: int
    q_pval: float
    i2: float | None
    h2: float | None
    r2: float | None
    weights: np.ndarray
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The JSON keys of the reference cases: ``moderators`` by name, ``qm``, ``r2`` ..."""
        moderators = {
            name: {
                "estimate": float(self.beta[j]),
                "se": float(self.se[j]),
                "statistic": float(self.statistic[j]),
                "pval": float(self.pval[j]),
                "ci_lower": float(self.ci_lower[j]),
                "ci_upper": float(self.ci_upper[j]),
            }
            for j, name in enumerate(self.names)
        }
        return {
            "k": self.k,
            "method": self.method,
            "test": self.test,
            "moderators": moderators,
            "df": self.df,
            "qm": self.qm,
            "qm_df": self.qm_df,
            "qm_pval": self.qm_pval,
            "tau2": self.tau2,
            "tau": math.sqrt(self.tau2),
            "q": self.q,
            "q_df": self.q_df,
            "q_pval": self.q_pval,
            "i2": self.i2,
            "h2": self.h2,
            "r2": self.r2,
        }


def meta_regression(
    yi: np.ndarray,
    vi: np.ndarray,
    X: np.ndarray,
    names: list[str],
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
) -> MetaRegression:
    """Fit ``rma(yi, vi, mods = X[, 1:], method, test)``; X's first column is the intercept."""
    method = method.upper()
    yi, vi, X = np.asarray(yi, float), np.asarray(vi, float), np.asarray(X, float)
    k, p = X.shape
    tau2 = 0.0 if method == "FE" else estimate_tau2(yi, vi, method, X).tau2
    w = 1.0 / (vi + tau2)
    WX = X * w[:, None]
    vb = np.linalg.inv(X.T @ WX)
    beta = vb @ (WX.T @ yi)
    df = None
    if test == "knha":
        residual = yi - X @ beta
        rss = float((w * residual) @ residual)
        vb = vb * (0.0 if rss <= np.finfo(float).eps else rss / (k - p))
        df = k - p
    se = np.sqrt(np.diag(vb))
    statistic = beta / se
    pval = np.array([two_sided_pval(z, df) for z in statistic])
    crit = critical_value(level, df)
    # omnibus test of every coefficient but the intercept (metafor's btt)
    m = p - 1
    b = beta[1:]
    qm = float(b @ np.linalg.solve(vb[1:, 1:], b)) if m else 0.0
    if test == "knha":
        qm /= m
        qm_pval = float(fdtrc(m, k - p, qm))
    else:
        qm_pval = float(chdtrc(m, qm))
    projection = Projection(yi, X)
    heterogeneity = cochran_q(projection, vi)
    if method == "FE":
        i2 = max(0.0, 100 * (heterogeneity.q - (k - p)) / heterogeneity.q) if heterogeneity.q > 0 else 0.0
        h2 = heterogeneity.q / (k - p)
        r2 = _fixed_effect_r2(yi, vi, X)
    else:
        i2, h2 = i2_h2_random(tau2, heterogeneity.typical_variance)
        # metafor's pseudo-R²: proportional reduction of tau² against the model without moderators
        tau2_intercept_only = estimate_tau2(yi, vi, method).tau2
        r2 = (
            0.0
            if tau2_intercept_only == 0
            else max(0.0, 100 * (tau2_intercept_only - tau2) / tau2_intercept_only)
        )
    return MetaRegression(
        method=method,
        test=test,
        k=k,
        names=names,
        beta=beta,
        se=se,
        statistic=statistic,
        pval=pval,
        ci_lower=beta - crit * se,
        ci_upper=beta + crit * se,
        df=df,
        qm=qm,
        qm_df=m,
        qm_pval=qm_pval,
        tau2=tau2,
        q=heterogeneity.q,
        q_df=heterogeneity.q_df,
        q_pval=heterogeneity.q_pval,
        i2=i2,
        h2=h2,
        r2=r2,
        weights=100 * w / w.sum(),
    )


def _fixed_effect_r2(yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """metafor's R² for a fixed-effect meta-regression: adjusted R² of the weighted lm, in percent."""
    w = 1.0 / vi
    k, p = X.shape
    sw = np.sqrt(w)
    beta, *_ = np.linalg.lstsq(X * sw[:, None], yi * sw, rcond=None)
    rss = float(w @ (yi - X @ beta) ** 2)
    mean = float(w @ yi) / w.sum()
    tss = float(w @ (yi - mean) ** 2)
    if tss == 0:
        return 0.0
    adjusted = 1 - (rss / tss) * (k - 1) / (k - p)
    return max(0.0, 100 * adjusted)


# ----------------------------------------------------------------- subgroups
@dataclass
class SubgroupAnalysis:
    """One pooled result per level, and the test of subgroup differences."""

    levels: list[str]
    results: dict[str, PooledEstimate]
    indices: dict[str, np.ndarray]  # positions of each level's studies in the input
    q_between: float
    df_between: int
    q_between_pval: float
    notes: list[str] = field(default_factory=list)


def subgroup_analysis(
    yi: np.ndarray,
    vi: np.ndarray,
    groups: list,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
) -> SubgroupAnalysis:
    """Pool each subgroup on its own (own tau²), then test the differences between them.

    The test is the fixed-effect Q across the subgroup estimates with their
    standard errors, on (number of subgroups - 1) df. A subgroup with a single
    study is reported as that study (tau² = 0), as metafor does for k = 1.
    """
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    labels = [level_name(g) for g in groups]
    levels = sorted(set(labels))
    notes: list[str] = []
    results, indices = {}, {}
    for name in levels:
        index = np.asarray([i for i, label in enumerate(labels) if label == name])
        indices[name] = index
        if index.size == 1:
            notes.append(f"subgroup '{name}' has a single study; it is reported as that study (tau² = 0)")
            results[name] = pool_inverse_variance(yi[index], vi[index], "FE", "z", level)
            results[name].method = method.upper()
        else:
            results[name] = pool_inverse_variance(yi[index], vi[index], method, test, level)
    between = test_of_subgroup_differences(
        np.asarray([results[name].estimate for name in levels]),
        np.asarray([results[name].se for name in levels]),
    )
    if between["df_between"] < 1:
        notes.append("only one subgroup level: no test of subgroup differences")
    return SubgroupAnalysis(
        levels,
        results,
        indices,
        between["q_between"],
        between["df_between"],
        between["q_between_pval"],
        notes,
    )


def test_of_subgroup_differences(estimates: np.ndarray, ses: np.ndarray) -> dict:
    """Fixed-effect Q across subgroup estimates (weights 1/se²), on (number of subgroups - 1) df."""
    df = int(estimates.size) - 1
    if df < 1:
        return {"q_between": 0.0, "df_between": 0, "q_between_pval": 1.0}
    w = 1.0 / ses**2
    mean = float(w @ estimates) / float(w.sum())
    q = float(w @ (estimates - mean) ** 2)
    return {"q_between": q, "df_between": df, "q_between_pval": float(chdtrc(df, q))}
