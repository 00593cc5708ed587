"""Meta-regression bubble plot: effects against one continuous moderator, with the fitted line and its CI."""

from __future__ import annotations

from collections import defaultdict, deque

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator
from scipy import stats

from analysis.engine.errors import EngineError
from analysis.engine.io import study_label
from analysis.engine.moderators import design_matrix

from .formatting import ANALYSIS_SCALE_NAMES, COMMON_EFFECT_METHODS, is_ratio, measure_name, number, p_text
from .render import ARM_COLOURS, FONT_SIZE, INK, new_figure, style
from .scales import linear_ticks, log_ticks, tick_label

WIDTH, AXES_HEIGHT = 5.4, 3.6
LEFT, RIGHT, TOP = 0.75, 0.25, 0.2
MAX_BUBBLE = 320.0  # points², the heaviest study


def bubble_plot(
    result: dict,
    data_rows: list[dict],
    moderator: str,
    *,
    title: str | None = None,
    measure_label: str | None = None,
    moderator_label: str | None = None,
) -> Figure:
    """Each study's effect against ``moderator`` (bubbles sized by weight), the fitted line and its CI band.

    Other moderators of the model are held at their mean over the studies.
    """
    coefficients = result.get("moderators") or {}
    if moderator not in coefficients:
        raise ValueError(
            f"{moderator!r} is not a continuous moderator of this model ({', '.join(coefficients)})"
        )
    studies = result.get("studies") or []
    rows = _rows_of(studies, data_rows)
    x = np.array([_float(row.get(moderator)) if row else np.nan for row in rows])
    yi = np.array([s["yi"] for s in studies], dtype=float)
    weights = np.array([s.get("weight") or 0.0 for s in studies], dtype=float)
    grid = np.linspace(np.nanmin(x), np.nanmax(x), 101) if np.isfinite(x).any() else np.zeros(0)
    fit = _fitted_line(result, studies, rows, moderator, x, grid)
    measure = str(result.get("measure", "GEN")).upper()
    label = measure_label or ANALYSIS_SCALE_NAMES.get(measure, measure_name(measure))
    captions = _captions(result, moderator)
    with style():
        return _draw(
            x, yi, weights, fit, is_ratio(measure), label, moderator_label or moderator, title, captions
        )


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _rows_of(studies: list[dict], data_rows: list[dict]) -> list[dict | None]:
    """The input row of each study, matched by label in order (rows dropped by the engine are skipped)."""
    by_label: dict[str, deque] = defaultdict(deque)
    for index, row in enumerate(data_rows):
        by_label[study_label(row, index)].append(row)
    return [by_label[str(s["study"])].popleft() if by_label[str(s["study"])] else None for s in studies]


def _model_columns(coefficients: dict, rows: list[dict]) -> list[str]:
    """The data columns behind the coefficients: a numeric column by name, a factor by prefix."""
    names = [n for n in coefficients if n != "intercept"]
    columns = list(rows[0].keys()) if rows else []
    found: list[str] = []
    for name in names:
        if name in columns:
            column = name
        else:
            candidates = [c for c in columns if name.startswith(c)]
            column = max(candidates, key=len) if candidates else None
        if column is None:
            raise EngineError(f"no data column for the coefficient {name!r}")
        if column not in found:
            found.append(column)
    return found


def regression_band(result: dict, data_rows: list[dict], moderator: str, at) -> dict | None:
    """The fitted effect and its CI at the moderator values ``at`` (analysis scale), or None."""
    studies = result.get("studies") or []
    rows = _rows_of(studies, data_rows)
    x = np.array([_float(row.get(moderator)) if row else np.nan for row in rows])
    return _fitted_line(result, studies, rows, moderator, x, np.asarray(at, dtype=float))


def _fitted_line(result, studies, rows, moderator, x, grid) -> dict | None:
    """Prediction and CI over the moderator's range: X0 b and X0 V X0' with V = (X'WX)^-1, scaled as the fit."""
    coefficients = result["moderators"]
    if any(r is None for r in rows) or not np.isfinite(x).all():
        return None
    try:
        columns = _model_columns(coefficients, rows)
        X, names = design_matrix(rows, columns, [str(s["study"]) for s in studies])
    except EngineError:
        return None
    if names != list(coefficients):
        return None
    vi = np.array([s["vi"] for s in studies], dtype=float)
    tau2 = (
        0.0 if str(result.get("method", "")).upper() in COMMON_EFFECT_METHODS else (result.get("tau2") or 0.0)
    )
    w = 1.0 / (vi + tau2)
    unscaled = np.linalg.inv(X.T @ (X * w[:, None]))
    j = names.index(moderator)
    # Knapp-Hartung scales the covariance; the ratio of the reported to the unscaled variance gives the factor.
    scale = coefficients[moderator]["se"] ** 2 / unscaled[j, j]
    beta = np.array([coefficients[n]["estimate"] for n in names])
    X0 = np.tile(X.mean(axis=0), (grid.size, 1))
    X0[:, j] = grid
    fitted = X0 @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", X0, unscaled * scale, X0))
    level = float(result.get("level", 95.0))
    df = result.get("df")
    crit = stats.t.ppf(0.5 + level / 200, df) if df else stats.norm.ppf(0.5 + level / 200)
    return {"x": grid, "fit": fitted, "lower": fitted - crit * se, "upper": fitted + crit * se}


def _captions(result: dict, moderator: str) -> list[str]:
    c = result["moderators"][moderator]
    lines = [
        f"Slope for {moderator}: {number(c['estimate'], 4)} "
        f"[{number(c['ci_lower'], 4)}, {number(c['ci_upper'], 4)}] ({p_text(c.get('pval'))})"
        + ("; on the log scale" if is_ratio(str(result.get("measure", ""))) else "")
    ]
    extra = []
    if result.get("r2") is not None:
        extra.append(f"R² = {result['r2']:.0f}%")
    if result.get("tau2") is not None:
        extra.append(f"residual τ² = {number(result['tau2'], 3)}")
    if len([n for n in result["moderators"] if n != "intercept"]) > 1:
        extra.append("other moderators at their mean")
    if extra:
        lines.append("; ".join(extra))
    return lines


def _draw(x, yi, weights, fit, log, label, moderator_label, title, captions) -> Figure:
    title_height = 0.3 if title else 0.0
    caption_height = 0.5 + 0.18 * len(captions)
    height = TOP + title_height + AXES_HEIGHT + caption_height
    fig = new_figure(WIDTH, height)
    ax = fig.add_axes(
        (LEFT / WIDTH, caption_height / height, (WIDTH - LEFT - RIGHT) / WIDTH, AXES_HEIGHT / height)
    )
    shown = np.exp if log else (lambda v: v)
    keep = np.isfinite(x)
    heaviest = weights.max() if weights.size and weights.max() > 0 else 1.0
    sizes = np.maximum(MAX_BUBBLE * weights / heaviest, 6.0)
    order = [i for i in np.argsort(-sizes, kind="stable") if keep[i]]  # big first: small ones stay on top
    ax.scatter(
        x[order],
        shown(yi[order]),
        s=sizes[order],
        facecolors="#9ecae1",
        edgecolors=INK,
        linewidths=0.6,
        alpha=0.85,
        zorder=3,
    )
    values = list(yi[keep])
    if fit is not None:
        ax.fill_between(
            fit["x"], shown(fit["lower"]), shown(fit["upper"]), color="#d9d9d9", linewidth=0, zorder=1
        )
        ax.plot(fit["x"], shown(fit["fit"]), color=ARM_COLOURS[0], linewidth=1.3, zorder=2)
        values += [float(fit["lower"].min()), float(fit["upper"].max())]
    lo, hi = min(values), max(values)
    pad = 0.05 * (hi - lo or 1.0)
    if log:
        ax.set_yscale("log")
        ticks = log_ticks(float(np.exp(lo - pad)), float(np.exp(hi + pad)), AXES_HEIGHT)
    else:
        ticks = linear_ticks(lo - pad, hi + pad)
    ax.set_ylim(ticks[0], ticks[-1])
    ax.set_yticks(ticks, [tick_label(t) for t in ticks])
    ax.yaxis.set_minor_locator(NullLocator())
    if log and ticks[0] < 1 < ticks[-1]:
        ax.axhline(1.0, color=INK, linewidth=0.6, linestyle=(0, (4, 3)), zorder=0)
    x_ticks = linear_ticks(float(np.nanmin(x)), float(np.nanmax(x))) if keep.any() else [0.0, 1.0]
    ax.set_xlim(x_ticks[0], x_ticks[-1])
    ax.set_xticks(x_ticks, [tick_label(t) for t in x_ticks])
    ax.set_xlabel(moderator_label)
    ax.set_ylabel(label)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        fig.text(LEFT / WIDTH, 1 - (TOP + 0.1) / height, title, fontsize=FONT_SIZE + 1, fontweight="bold")
    for i, line in enumerate(captions):
        fig.text(
            0.12 / WIDTH, (0.12 + 0.18 * (len(captions) - 1 - i)) / height, line, fontsize=FONT_SIZE - 0.5
        )
    return fig
