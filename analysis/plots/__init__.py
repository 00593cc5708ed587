"""Server-side figures of the analyses: forest, funnel, bubble and Kaplan-Meier plots.

Pure functions from engine results to matplotlib Figures (Agg backend, no pyplot, no Django),
and to_svg / to_png to turn them into deterministic bytes.
"""

from .bubble import bubble_plot, regression_band
from .forest import forest_plot
from .funnel import funnel_plot
from .km import km_plot, number_at_risk, risk_table_times
from .render import to_png, to_svg

__all__ = [
    "bubble_plot",
    "forest_plot",
    "funnel_plot",
    "km_plot",
    "number_at_risk",
    "regression_band",
    "risk_table_times",
    "to_png",
    "to_svg",
]
