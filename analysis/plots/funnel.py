"""Funnel plot: each study's effect against its standard error, with the pseudo confidence region."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator
from scipy import stats

from analysis.engine.results import SmallStudyTest

from .formatting import ANALYSIS_SCALE_NAMES, is_ratio, measure_name, model_name, p_text
from .render import ARM_COLOURS, FONT_SIZE, GREY, INK, new_figure, style
from .scales import linear_ticks, log_ticks, tick_label

WIDTH, AXES_HEIGHT = 5.4, 3.6
LEFT, RIGHT, TOP = 0.75, 0.25, 0.2


def funnel_plot(result: dict, *, title: str | None = None, measure_label: str | None = None) -> Figure:
    """Effect (x) against standard error (y, inverted) with the pseudo-95% region around the pooled estimate."""
    measure = str(result.get("measure", "GEN")).upper()
    log = is_ratio(measure)
    label = measure_label or ANALYSIS_SCALE_NAMES.get(measure, measure_name(measure))
    studies = [s for s in result.get("studies") or [] if s.get("yi") is not None and s.get("sei")]
    yi = np.array([s["yi"] for s in studies], dtype=float)
    sei = np.array([s["sei"] for s in studies], dtype=float)
    level = float(result.get("level", 95.0))
    crit = float(stats.norm.ppf(0.5 + level / 200))
    centre = result.get("estimate")
    captions = _captions(result, level)
    with style():
        return _draw(
            yi, sei, centre, crit, log, label, title, captions, SmallStudyTest.from_json(result.get("egger"))
        )


def _captions(result: dict, level: float) -> list[str]:
    lines = []
    if result.get("estimate") is not None:
        lines.append(
            f"Pseudo {level:g}% confidence region around the pooled estimate, "
            f"{_lower_first(model_name(str(result.get('method', ''))))}"
        )
    egger = SmallStudyTest.from_json(result.get("egger"))
    if egger is not None:
        name = f"t({egger.df})" if egger.df is not None else "z"
        lines.append(
            f"Egger's test for funnel plot asymmetry: {name} = {egger.statistic:.2f}, {p_text(egger.pval)}"
        )
        lines.append("Dotted line: Egger's regression of the effect on its standard error")
    return lines


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _draw(yi, sei, centre, crit, log, label, title, captions, egger) -> Figure:
    title_height = 0.3 if title else 0.0
    caption_height = 0.5 + 0.18 * len(captions)
    height = TOP + title_height + AXES_HEIGHT + caption_height
    fig = new_figure(WIDTH, height)
    ax = fig.add_axes(
        (LEFT / WIDTH, caption_height / height, (WIDTH - LEFT - RIGHT) / WIDTH, AXES_HEIGHT / height)
    )
    y_ticks = linear_ticks(0.0, float(sei.max()) * 1.05 if sei.size else 1.0, bins=5)
    se_max = y_ticks[-1]
    se_grid = np.array([0.0, se_max])
    middle = centre if centre is not None else (float(np.average(yi, weights=1 / sei**2)) if yi.size else 0.0)
    lower, upper = middle - crit * se_grid, middle + crit * se_grid
    x_lo = min(float(yi.min()) if yi.size else middle, float(lower[-1]))
    x_hi = max(float(yi.max()) if yi.size else middle, float(upper[-1]))
    pad = 0.04 * (x_hi - x_lo or 1.0)
    shown = np.exp if log else (lambda v: v)

    if centre is not None:
        ax.fill(
            shown(np.array([middle, lower[-1], upper[-1]])),
            [0.0, se_max, se_max],
            facecolor="#f0f0f0",
            edgecolor="none",
            zorder=0,
        )
        ax.plot(shown(lower), se_grid, color=GREY, linestyle=(0, (4, 3)), linewidth=0.8)
        ax.plot(shown(upper), se_grid, color=GREY, linestyle=(0, (4, 3)), linewidth=0.8)
        ax.plot(shown(np.array([middle, middle])), se_grid, color=INK, linewidth=0.8)
    if egger is not None:
        line_x, line_se = egger_line(egger, se_max)
        ax.plot(shown(line_x), line_se, color=ARM_COLOURS[1], linestyle=(0, (1.5, 1.5)), linewidth=1.0)
    ax.scatter(shown(yi), sei, s=22, facecolors="white", edgecolors=INK, linewidths=0.8, zorder=3)

    if log:
        ax.set_xscale("log")
        ticks = log_ticks(math.exp(x_lo - pad), math.exp(x_hi + pad), WIDTH - LEFT - RIGHT)
    else:
        ticks = linear_ticks(x_lo - pad, x_hi + pad)
    ax.set_xlim(ticks[0], ticks[-1])
    ax.set_xticks(ticks, [tick_label(t) for t in ticks])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_ylim(y_ticks[-1], 0.0)
    ax.set_yticks(y_ticks, [tick_label(t) for t in y_ticks])
    ax.set_xlabel(label)
    ax.set_ylabel("Standard error")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        fig.text(LEFT / WIDTH, 1 - (TOP + 0.1) / height, title, fontsize=FONT_SIZE + 1, fontweight="bold")
    for i, line in enumerate(captions):
        fig.text(
            0.12 / WIDTH, (0.12 + 0.18 * (len(captions) - 1 - i)) / height, line, fontsize=FONT_SIZE - 0.5
        )
    return fig


def egger_line(egger: SmallStudyTest, se_max: float) -> tuple[np.ndarray, np.ndarray]:
    """Egger's regression line yi = intercept + slope × sei (x values, se values)."""
    se = np.array([0.0, se_max])
    return egger.intercept + egger.slope * se, se
