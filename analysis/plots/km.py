"""Kaplan-Meier curves per arm with censoring ticks, CI bands and a numbers-at-risk table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory

from .formatting import effect_text, p_text
from .render import ARM_COLOURS, FONT_SIZE, TextBatch, new_figure, style, text_width
from .scales import linear_ticks, tick_label

AXES_WIDTH, AXES_HEIGHT = 4.9, 3.1
TOP, RIGHT, BOTTOM = 0.2, 0.25, 0.15
RISK_ROW = 0.19


def number_at_risk(curve: dict, time: float) -> int:
    """Patients still at risk at ``time`` (time ≥ t), read from the curve's steps."""
    for step in curve.get("steps") or []:
        if step["time"] >= time:
            return int(step["n_risk"])
    return 0


def risk_table_times(result: dict, bins: int = 6) -> list[float]:
    """The round times of the x axis, where the numbers at risk are given."""
    last = max((s["time"] for c in result.get("km_curves") or [] for s in c.get("steps") or []), default=1.0)
    return [t for t in linear_ticks(0.0, last, bins=bins) if t <= last + 1e-9]


def km_plot(
    result: dict,
    *,
    times: Sequence[float] | None = None,
    ci: bool = True,
    medians: bool = False,
    title: str | None = None,
    time_label: str = "Time",
) -> Figure:
    """Kaplan-Meier curves of analyse_ipd's ``km_curves`` with numbers at risk, log-rank p and HR."""
    curves = result.get("km_curves") or []
    at = [float(t) for t in (times if times is not None else risk_table_times(result))]
    with style():
        return _draw(result, curves, at, ci, medians, title, time_label)


def _corner_lines(result: dict) -> list[str]:
    lines = []
    logrank = result.get("logrank")
    if logrank:
        stratified = " (stratified)" if (logrank.get("strata") or 1) > 1 else ""
        lines.append(f"Log-rank{stratified} {p_text(logrank.get('pval'))}")
    comparisons = result.get("comparisons") or []
    for comparison in comparisons:
        lines.append(
            f"HR {comparison['treatment']} vs {comparison['control']}: {effect_text(comparison['hr'], comparison['hr_ci_lower'], comparison['hr_ci_upper'])}"
        )
    if not comparisons and result.get("hr") is not None:
        lines.append(f"HR {effect_text(result['hr'], result.get('hr_ci_lower'), result.get('hr_ci_upper'))}")
    return lines


def _draw(result, curves, at, ci, medians, title, time_label) -> Figure:
    names = [str(c["treatment"]) for c in curves]
    left = max([0.7] + [text_width(n, bold=True) + 0.4 for n in names])
    title_height = 0.3 if title else 0.0
    table_height = 0.6 + RISK_ROW * (len(curves) + 1)
    width = left + AXES_WIDTH + RIGHT
    height = TOP + title_height + AXES_HEIGHT + table_height + BOTTOM
    fig = new_figure(width, height)
    ax = fig.add_axes(
        (left / width, (BOTTOM + table_height) / height, AXES_WIDTH / width, AXES_HEIGHT / height)
    )
    last = max((s["time"] for c in curves for s in c.get("steps") or []), default=1.0)
    x_max = max(at + [last]) if at else last
    handles = []
    for index, curve in enumerate(curves):
        colour = ARM_COLOURS[index % len(ARM_COLOURS)]
        steps = curve.get("steps") or []
        t = np.array([0.0] + [s["time"] for s in steps])
        surv = np.array([1.0] + [s["surv"] for s in steps])
        ax.step(t, surv, where="post", color=colour, linewidth=1.3, zorder=3)
        if ci and steps:
            lower = np.array([1.0] + [np.nan if s["lower"] is None else s["lower"] for s in steps])
            upper = np.array([1.0] + [np.nan if s["upper"] is None else s["upper"] for s in steps])
            ax.fill_between(t, lower, upper, step="post", color=colour, alpha=0.14, linewidth=0, zorder=1)
        censored = [(s["time"], s["surv"]) for s in steps if s["n_censor"] > 0]
        if censored:
            cx, cy = zip(*censored, strict=True)
            ax.plot(
                cx,
                cy,
                linestyle="none",
                marker="|",
                markersize=5,
                markeredgewidth=0.9,
                color=colour,
                zorder=4,
            )
        if medians and curve.get("median") is not None:
            m = curve["median"]
            ax.plot([0, m, m], [0.5, 0.5, 0], color=colour, linestyle=(0, (3, 2)), linewidth=0.7, zorder=2)
        handles.append(
            Line2D(
                [],
                [],
                color=colour,
                linewidth=1.3,
                label=f"{curve['treatment']} ({curve['events']}/{curve['n']} events)",
            )
        )

    ax.set_xlim(0, x_max)
    ax.set_ylim(0, 1.02)
    x_ticks = at if at else linear_ticks(0.0, x_max)
    ax.set_xticks(x_ticks, [tick_label(t) for t in x_ticks])
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0], ["0", "0.2", "0.4", "0.6", "0.8", "1"])
    ax.set_xlabel(time_label)
    ax.set_ylabel("Survival probability")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    corner = _corner_lines(result)
    text = TextBatch(ax.transAxes)
    text.set_zorder(5)
    ax.add_artist(text)
    line_height = 0.17 / AXES_HEIGHT
    for i, line in enumerate(corner):
        text.add(0.99, 0.98 - i * line_height - line_height / 2, line, ha="right")
    ax.legend(
        handles=handles,
        loc="upper right",
        bbox_to_anchor=(1.0, 0.98 - len(corner) * line_height - 0.01),
        handlelength=1.8,
        borderaxespad=0.0,
    )

    # The numbers-at-risk table: one row per arm, one column per time on the axis.
    table = TextBatch(blended_transform_factory(ax.transData, fig.dpi_scale_trans))
    table.set_zorder(5)
    fig.add_artist(table)
    names_left = TextBatch(fig.dpi_scale_trans)
    fig.add_artist(names_left)
    header_y = BOTTOM + RISK_ROW * (len(curves) + 0.5)
    names_left.add(0.12, header_y, "Number at risk", bold=True)
    for index, curve in enumerate(curves):
        y = header_y - RISK_ROW * (index + 1)
        colour = ARM_COLOURS[index % len(ARM_COLOURS)]
        names_left.add(0.12, y, str(curve["treatment"]), bold=True, color=colour)
        for time in at:
            table.add(time, y, str(number_at_risk(curve, time)), ha="center")
    if title:
        fig.text(left / width, 1 - (TOP + 0.1) / height, title, fontsize=FONT_SIZE + 1, fontweight="bold")
    return fig
