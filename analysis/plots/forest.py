"""Forest plot of a pooled analysis, laid out as RevMan and metafor draw it.

The layout is computed from the row count and measured text widths (no tight_layout): one
axes holds the plot column, and every text column is placed in inches on the same rows.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass, field

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator
from matplotlib.transforms import blended_transform_factory, offset_copy

from .forest_data import ArmData
from .formatting import (
    COMMON_EFFECT_METHODS,
    effect_text,
    heterogeneity_text,
    is_proportion,
    is_ratio,
    measure_name,
    model_name,
    number,
    overall_effect_text,
    p_text,
    short_name,
    statistic_text,
    subgroup_difference_text,
    weight_text,
)
from .render import FONT_SIZE, GREY, INK, TextBatch, fit_text, new_figure, style, text_width
from .scales import linear_ticks, log_ticks, tick_label

ROW = 0.2  # inches per row
GAP = 0.16  # between columns
MARGIN = 0.15
PLOT_WIDTH = 2.4
MAX_LABEL_WIDTH = 2.6
NOTE_SIZE = FONT_SIZE - 1
MAX_SQUARE = ROW * 72 * 0.8  # points: the heaviest study's square
MIN_SQUARE = 2.5
GRAPHIC_KINDS = ("study", "subtotal", "total", "pi")


@dataclass
class _Row:
    kind: str  # study, group, subtotal, total, pi, note, blank
    label: str = ""
    cells: list[str] = field(default_factory=list)
    effect: str = ""
    weight: str = ""
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None
    weight_value: float | None = None

    @property
    def bold(self) -> bool:
        return self.kind in ("group", "subtotal", "total")


def forest_plot(
    result: dict,
    *,
    data_rows: list[dict] | None = None,
    title: str | None = None,
    measure_label: str | None = None,
    favours: tuple[str, str] | None = None,
    digits: int = 2,
) -> Figure:
    """The forest plot of a run_pooled_analysis result (studies, subgroups, pooled diamond, PI)."""
    measure = str(result.get("measure", "GEN")).upper()
    label = measure_label or measure_name(measure)
    arm = ArmData(list(data_rows or []), measure)
    rows = _rows(result, arm, digits)
    footer = [
        line
        for line in (
            _heterogeneity_line(result),
            _effect_line(result),
            subgroup_difference_text(result) if result.get("subgroups") else "",
        )
        if line
    ]
    with style():
        return _draw(result, rows, footer, arm, label, measure, title, favours)


# --- rows ----------------------------------------------------------------------------------


def _study_row(study: dict, weight: float | None, cells: list[str], digits: int) -> _Row:
    shown = study.get("summary") or {}
    estimate, lower, upper = shown.get("estimate"), shown.get("ci_lower"), shown.get("ci_upper")
    return _Row(
        "study",
        label=str(study.get("study", "")),
        cells=cells,
        effect=effect_text(estimate, lower, upper, digits),
        weight=weight_text(weight),
        estimate=estimate,
        lower=lower,
        upper=upper,
        weight_value=weight,
    )


def _pooled_row(kind: str, label: str, fit: dict, cells: list[str], weight: float | None, digits: int):
    shown = fit.get("summary") or {}
    return _Row(
        kind,
        label=label,
        cells=cells,
        effect=effect_text(shown.get("estimate"), shown.get("ci_lower"), shown.get("ci_upper"), digits),
        weight=weight_text(weight),
        estimate=shown.get("estimate"),
        lower=shown.get("ci_lower"),
        upper=shown.get("ci_upper"),
    )


def _rows(result: dict, arm: ArmData, digits: int) -> list[_Row]:
    studies = result.get("studies") or []
    has_weights = any(s.get("weight") is not None for s in studies)
    # The overall analysis' weights, so that the study weights add up to 100% across subgroups.
    overall_weight: dict[str, deque] = defaultdict(deque)
    for study in studies:
        overall_weight[str(study.get("study"))].append(study.get("weight"))
    rows: list[_Row] = []
    inputs_all: list[dict | None] = []
    subgroups = result.get("subgroups") or {}
    if subgroups:
        for name, fit in subgroups.items():
            rows.append(_Row("group", label=str(name)))
            inputs, weights = [], []
            for study in fit.get("studies") or []:
                queue = overall_weight.get(str(study.get("study")))
                weight = queue.popleft() if queue else study.get("weight")
                source = arm.row_for(str(study.get("study")))
                inputs.append(source)
                weights.append(weight)
                rows.append(_study_row(study, weight, arm.cells(source), digits))
            inputs_all += inputs
            subtotal_weight = sum(w for w in weights if w is not None) if has_weights else None
            rows.append(
                _pooled_row("subtotal", "Subtotal", fit, arm.sum_cells(inputs), subtotal_weight, digits)
            )
            if (fit.get("k") or 0) > 1:
                rows.append(_Row("note", label=heterogeneity_text(fit)))
            rows.append(_Row("note", label=overall_effect_text(fit)))
            rows.append(_Row("blank"))
    else:
        for study in studies:
            source = arm.row_for(str(study.get("study")))
            inputs_all.append(source)
            rows.append(_study_row(study, study.get("weight"), arm.cells(source), digits))
    if result.get("estimate") is not None and result.get("summary"):
        rows.append(
            _pooled_row(
                "total",
                model_name(str(result.get("method", ""))),
                result,
                arm.sum_cells(inputs_all),
                100.0 if has_weights else None,
                digits,
            )
        )
        pi = _prediction_interval(result)
        if pi is not None:
            level = result.get("level", 95.0)
            rows.append(
                _Row(
                    "pi",
                    label=f"{level:g}% prediction interval",
                    effect=f"[{number(pi[0], digits)}, {number(pi[1], digits)}]",
                    lower=pi[0],
                    upper=pi[1],
                )
            )
    while rows and rows[-1].kind == "blank":
        rows.pop()
    return rows


def _prediction_interval(result: dict) -> tuple[float, float] | None:
    """The back-transformed PI of a random-effects model (a common-effect model has none)."""
    if str(result.get("method", "")).upper() in COMMON_EFFECT_METHODS or (result.get("k") or 0) < 2:
        return None
    shown = result.get("summary") or {}
    lower, upper = shown.get("pi_lower"), shown.get("pi_upper")
    if lower is None or upper is None:
        return None
    return lower, upper


def _heterogeneity_line(result: dict) -> str:
    text = heterogeneity_text(result)
    if result.get("moderators") and text:
        return "Residual h" + text[1:]
    return text


def _effect_line(result: dict) -> str:
    if result.get("moderators") and result.get("qm") is not None:
        return f"Test of moderators: QM = {statistic_text(result['qm'])}, df = {result.get('qm_df')} ({p_text(result.get('qm_pval'))})"
    return overall_effect_text(result)


# --- axis range ----------------------------------------------------------------------------


def _finite(values, positive: bool) -> list[float]:
    out = []
    for value in values:
        if value is None or not math.isfinite(value) or (positive and value <= 0):
            continue
        out.append(float(value))
    return out


def _x_range(rows: list[_Row], measure: str, plot_width: float) -> tuple[list[float], bool]:
    """Ticks of the x axis (first and last are the limits) and whether it is logarithmic."""
    log = is_ratio(measure)
    graphic = [r for r in rows if r.kind in GRAPHIC_KINDS]
    core = [r.estimate for r in graphic] + [
        v for r in graphic if r.kind != "study" for v in (r.lower, r.upper)
    ]
    lows = [r.lower for r in graphic]
    highs = [r.upper for r in graphic]
    if not is_proportion(measure):
        core.append(1.0 if log else 0.0)
    forward = np.log10 if log else (lambda v: np.asarray(v, dtype=float))
    core_t = forward(_finite(core, log) or [1.0 if log else 0.0])
    low_t = forward(_finite(lows, log) or [core_t.min()])
    high_t = forward(_finite(highs, log) or [core_t.max()])
    span = max(float(core_t.max() - core_t.min()), 0.2 if log else 1e-3)
    # CIs may stretch the axis by up to the core span either side; longer ones end in arrows.
    lo = max(float(low_t.min()), float(core_t.min()) - 0.75 * span)
    hi = min(float(high_t.max()), float(core_t.max()) + 0.75 * span)
    lo, hi = min(lo, float(core_t.min())), max(hi, float(core_t.max()))
    if log:
        return log_ticks(10**lo, 10**hi, plot_width), True
    if is_proportion(measure):
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    ticks = linear_ticks(lo, hi)
    if is_proportion(measure):
        ticks = [t for t in ticks if -1e-9 <= t <= 1 + 1e-9]
    return ticks, False


# --- drawing -------------------------------------------------------------------------------


@dataclass
class _Layout:
    """Where everything goes, in inches: column widths and centres, the plot's box, the figure's size."""

    label_width: float
    data_widths: list[float]
    effect_width: float
    weight_width: float
    plot_width: float
    width: float
    height: float
    top: float
    rows_height: float
    header_rows: int
    axis_height: float
    groups: list[str]
    x_data: list[float] = field(default_factory=list)
    x_plot: float = 0.0
    x_effect: float = 0.0
    x_weight: float = 0.0


def _draw(result, rows, footer, arm, label, measure, title, favours) -> Figure:
    level = result.get("level", 95.0)
    for row in rows:
        if row.kind not in ("note", "blank"):
            row.label = fit_text(row.label, MAX_LABEL_WIDTH, bold=row.bold)
    effect_header = f"{short_name(measure)} [{level:g}% CI]"
    has_weight = any(r.weight for r in rows)
    layout = _layout(rows, arm.columns, footer, title, favours, effect_header, has_weight)

    fig = new_figure(layout.width, layout.height)
    ax, log, x_min, x_max = _axes(fig, layout, rows, measure)
    inches = blended_transform_factory(fig.dpi_scale_trans, ax.transData)
    batch = TextBatch(inches)
    batch.set_zorder(5)
    fig.add_artist(batch)

    def put(x, y, text, ha="left", bold=False, size=FONT_SIZE, color=INK):
        batch.add(x, y, text, ha=ha, bold=bold, size=size, color=color)

    _draw_headers(fig, put, inches, layout, arm.columns, title, label, effect_header, has_weight)
    _draw_text_rows(put, layout, rows, has_weight)
    _draw_graphics(ax, rows, measure, x_min, x_max)
    _draw_below_axis(fig, ax, put, layout, rows, footer, favours, log, x_min, x_max)
    return fig


def _layout(rows, columns, footer, title, favours, effect_header, has_weight) -> _Layout:
    """Column widths from the widest text each holds; the plot takes the room wide notes leave."""
    label_width = max(
        [text_width("Study", bold=True)]
        + [text_width(r.label, bold=r.bold) for r in rows if r.kind not in ("note", "blank")]
    )
    data_widths = [
        max(
            [text_width(c.header, bold=True)] + [text_width(r.cells[i], bold=r.bold) for r in rows if r.cells]
        )
        for i, c in enumerate(columns)
    ]
    groups = list(dict.fromkeys(c.group for c in columns if c.group))
    for group in groups:  # a group header wider than its columns widens them evenly
        members = [i for i, c in enumerate(columns) if c.group == group]
        span = sum(data_widths[i] for i in members) + GAP * (len(members) - 1)
        extra = text_width(group, bold=True) - span
        for i in members:
            data_widths[i] += max(extra, 0) / len(members)
    effect_width = max(
        [text_width(effect_header, bold=True)] + [text_width(r.effect, bold=r.bold) for r in rows]
    )
    weight_width = max(text_width("Weight", bold=True), text_width("100.0%")) if has_weight else 0.0

    plot_width = PLOT_WIDTH
    table = MARGIN + label_width + sum(GAP + w for w in data_widths) + GAP + plot_width + GAP + effect_width
    table += (GAP + weight_width if has_weight else 0.0) + MARGIN
    spanning = [text_width(r.label, NOTE_SIZE) for r in rows if r.kind == "note"]
    spanning += [text_width(line, NOTE_SIZE) for line in footer]
    spanning += [text_width(title, FONT_SIZE + 1, bold=True)] if title else []
    width = max(table, MARGIN * 2 + max(spanning, default=0.0))
    plot_width += width - table  # wide notes give the plot more room rather than blank space

    # Vertical budget, in inches from the top.
    header_rows = 2 if groups else 1
    title_height = 0.3 if title else 0.0
    axis_height = 0.5 if favours else 0.3
    footer_height = len(footer) * ROW * 0.95
    rows_height = len(rows) * ROW
    top = MARGIN + title_height + header_rows * ROW + 0.1
    layout = _Layout(
        label_width=label_width,
        data_widths=data_widths,
        effect_width=effect_width,
        weight_width=weight_width,
        plot_width=plot_width,
        width=width,
        height=top + rows_height + axis_height + footer_height + MARGIN,
        top=top,
        rows_height=rows_height,
        header_rows=header_rows,
        axis_height=axis_height,
        groups=groups,
    )
    x = MARGIN + label_width
    for w in data_widths:
        x += GAP
        layout.x_data.append(x + w / 2)
        x += w
    layout.x_plot = x + GAP
    layout.x_effect = layout.x_plot + plot_width + GAP + effect_width / 2
    layout.x_weight = layout.x_plot + plot_width + GAP + effect_width + GAP + weight_width
    return layout


def _axes(fig, layout: _Layout, rows, measure: str):
    """The plot's axes (one data unit on y is one row), its x scale and ticks; (ax, log, x_min, x_max)."""
    width, height = layout.width, layout.height
    ax = fig.add_axes(
        (
            layout.x_plot / width,
            (height - layout.top - layout.rows_height) / height,
            layout.plot_width / width,
            layout.rows_height / height,
        )
    )
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ticks, log = _x_range(rows, measure, layout.plot_width)
    if log:
        ax.set_xscale("log")
    x_min, x_max = ticks[0], ticks[-1]
    ax.set_xlim(x_min, x_max)
    ax.set_xticks(ticks, [tick_label(t) for t in ticks])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_visible(False)
    ax.patch.set_visible(False)
    for side in ("top", "left", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_bounds(x_min, x_max)
    ax.spines["bottom"].set_position(("outward", 2))
    return ax, log, x_min, x_max


def _draw_headers(
    fig, put, inches, layout: _Layout, columns, title, label, effect_header, has_weight
) -> None:
    """Title and headers above the first row, with the rules under them."""
    row_of = 1.0  # one data unit on y is one row
    header_y = -1.0 - 0.5 * (0.1 / ROW)
    if title:
        put(MARGIN, header_y - layout.header_rows * row_of - 0.4, title, bold=True, size=FONT_SIZE + 1)
    put(MARGIN, header_y, "Study", bold=True)
    for i, column in enumerate(columns):
        put(layout.x_data[i], header_y, column.header, ha="center", bold=True)
    for group in layout.groups:
        members = [i for i, c in enumerate(columns) if c.group == group]
        left = layout.x_data[members[0]] - layout.data_widths[members[0]] / 2
        right = layout.x_data[members[-1]] + layout.data_widths[members[-1]] / 2
        put((left + right) / 2, header_y - 1, group, ha="center", bold=True)
        fig.add_artist(_rule(inches, left, right, header_y - 0.5, 0.5))
    put(layout.x_plot + layout.plot_width / 2, header_y, label, ha="center", bold=True)
    put(layout.x_effect, header_y, effect_header, ha="center", bold=True)
    if has_weight:
        put(layout.x_weight, header_y, "Weight", ha="right", bold=True)
    top_rule = header_y - (layout.header_rows - 0.5) * row_of
    fig.add_artist(_rule(inches, MARGIN, layout.width - MARGIN, top_rule, 0.8))
    fig.add_artist(_rule(inches, MARGIN, layout.width - MARGIN, -0.5 - 0.25 * (0.1 / ROW), 0.5))


def _draw_text_rows(put, layout: _Layout, rows, has_weight) -> None:
    """The text columns, row by row: label, data cells, effect with CI, weight."""
    for y, row in enumerate(rows):
        if row.kind == "note":
            put(MARGIN, y, row.label, size=NOTE_SIZE, color=GREY)
            continue
        put(MARGIN, y, row.label, bold=row.bold)
        for i, cell in enumerate(row.cells):
            put(layout.x_data[i], y, cell, ha="center", bold=row.bold)
        put(layout.x_effect, y, row.effect, ha="center", bold=row.bold)
        if has_weight:
            put(layout.x_weight, y, row.weight, ha="right", bold=row.bold)


def _draw_below_axis(fig, ax, put, layout: _Layout, rows, footer, favours, log, x_min, x_max) -> None:
    """Below the axis: the favours labels, then the heterogeneity and test lines."""
    axis_bottom = len(rows) - 0.5
    if favours:
        null = 1.0 if log else 0.0
        centre = null if x_min < null < x_max else (math.sqrt(x_min * x_max) if log else (x_min + x_max) / 2)
        text_y = axis_bottom + 0.33 / ROW
        for text, ha, shift in ((favours[0], "right", -6), (favours[1], "left", 6)):
            on_plot = offset_copy(ax.transData, fig=fig, x=shift, units="points")
            ax.text(
                centre,
                text_y,
                f"Favours {text}",
                transform=on_plot,
                ha=ha,
                va="center",
                fontsize=NOTE_SIZE,
                clip_on=False,
            )
    for i, line in enumerate(footer):
        put(MARGIN, axis_bottom + layout.axis_height / ROW + 0.45 + i * 0.95, line, size=NOTE_SIZE)


def _rule(transform, left: float, right: float, y: float, linewidth: float):
    from matplotlib.lines import Line2D

    return Line2D([left, right], [y, y], transform=transform, color=INK, linewidth=linewidth)


def _draw_graphics(ax, rows: list[_Row], measure: str, x_min: float, x_max: float) -> None:
    """Squares and CIs for studies, diamonds for pooled rows, the PI line and the null line."""
    log = is_ratio(measure)
    studies = [(y, r) for y, r in enumerate(rows) if r.kind == "study" and r.estimate is not None]
    heaviest = max((r.weight_value or 0.0 for _, r in studies), default=0.0)
    segments, left_arrows, right_arrows = [], [], []
    xs, ys, sizes = [], [], []
    for y, row in studies:
        lower = row.lower if row.lower is not None else row.estimate
        upper = row.upper if row.upper is not None else row.estimate
        if lower < x_min:
            left_arrows.append(y)
        if upper > x_max:
            right_arrows.append(y)
        lower, upper = min(max(lower, x_min), x_max), max(min(upper, x_max), x_min)
        segments.append([(lower, y), (upper, y)])
        if x_min <= row.estimate <= x_max:
            xs.append(row.estimate)
            ys.append(y)
            share = (row.weight_value or 0.0) / heaviest if heaviest > 0 else 0.35
            sizes.append(max(MAX_SQUARE * math.sqrt(share), MIN_SQUARE) ** 2)
    ax.add_collection(LineCollection(segments, colors=INK, linewidths=0.9, zorder=2), autolim=False)
    ax.scatter(xs, ys, s=sizes, marker="s", color=INK, linewidths=0, zorder=3)
    for arrows, edge, marker in ((left_arrows, x_min, "<"), (right_arrows, x_max, ">")):
        if arrows:
            ax.scatter(
                [edge] * len(arrows),
                arrows,
                s=18,
                marker=marker,
                color=INK,
                linewidths=0,
                zorder=3,
                clip_on=False,
            )

    diamonds, colours = [], []
    for y, row in enumerate(rows):
        if row.kind in ("subtotal", "total") and None not in (row.estimate, row.lower, row.upper):
            half = 0.36 if row.kind == "total" else 0.3
            lower, upper = max(row.lower, x_min), min(row.upper, x_max)
            diamonds.append([(lower, y), (row.estimate, y - half), (upper, y), (row.estimate, y + half)])
            colours.append(INK if row.kind == "total" else "#8c8c8c")
        if row.kind == "pi" and row.lower is not None and row.upper is not None:
            lower, upper = max(row.lower, x_min), min(row.upper, x_max)
            ax.add_collection(
                LineCollection(
                    [
                        [(lower, y), (upper, y)],
                        [(lower, y - 0.22), (lower, y + 0.22)],
                        [(upper, y - 0.22), (upper, y + 0.22)],
                    ],
                    colors=INK,
                    linewidths=1.0,
                    zorder=2,
                ),
                autolim=False,
            )
    if diamonds:
        ax.add_collection(
            PolyCollection(diamonds, facecolors=colours, edgecolors=INK, linewidths=0.7, zorder=3),
            autolim=False,
        )

    if not is_proportion(measure):
        null = 1.0 if log else 0.0
        if x_min <= null <= x_max:
            runs, start = [], None
            for y, row in enumerate(rows + [_Row("note")]):
                if row.kind != "note" and start is None:
                    start = y
                elif row.kind == "note" and start is not None:
                    runs.append([(null, start - 0.5), (null, y - 0.5)])
                    start = None
            ax.add_collection(LineCollection(runs, colors=INK, linewidths=0.7, zorder=1), autolim=False)
