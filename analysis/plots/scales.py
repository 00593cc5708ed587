"""Round axis ticks whose ends are the axis limits, as journal figures draw them."""

from __future__ import annotations

import math

from matplotlib.ticker import MaxNLocator

MIN_TICK_GAP = 0.36  # inches between tick labels on a log axis


def log_ticks(lo: float, hi: float, plot_width: float) -> list[float]:
    """Round ratio ticks whose ends enclose [lo, hi]: the ends, 1, decades, then 5s and 2s while they fit."""
    first, last = math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1
    nice = sorted(round(m * 10.0**e, 12) for e in range(first, last + 1) for m in (1, 2, 5))
    low = max(t for t in nice if t <= lo * (1 + 1e-9))
    high = min(t for t in nice if t >= hi * (1 - 1e-9))
    span = math.log10(high / low)
    inner = [t for t in nice if low < t < high]
    by_priority = [1.0] + [t for t in inner if mantissa(t) == 1] + [t for t in inner if mantissa(t) == 5]
    by_priority += [t for t in inner if mantissa(t) == 2]
    chosen = [low, high]
    for tick in by_priority:
        if low < tick < high and all(
            abs(math.log10(tick / other)) / span * plot_width >= MIN_TICK_GAP for other in chosen
        ):
            chosen.append(tick)
    return sorted(set(chosen))


def mantissa(value: float) -> int:
    return round(value / 10.0 ** math.floor(math.log10(value) + 1e-9))


def linear_ticks(lo: float, hi: float, bins: int = 6) -> list[float]:
    """Round ticks (steps of 1, 2, 2.5, 5) whose first and last enclose [lo, hi]."""
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    ticks = [float(t) for t in MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)]
    while len(ticks) > 2 and ticks[1] <= lo + 1e-12:
        ticks.pop(0)
    while len(ticks) > 2 and ticks[-2] >= hi - 1e-12:
        ticks.pop()
    return [0.0 if abs(t) < 1e-12 else t for t in ticks]


def tick_label(value: float) -> str:
    return f"{value:g}"
