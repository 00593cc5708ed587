"""Number formatting for the analysis pages."""

import math

from django import template

from analysis.engine.report import p_text

register = template.Library()


@register.filter
def num(value, digits: int = 2) -> str:
    """A number with ``digits`` decimals; an em dash when there is none."""
    if value is None or value == "":
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "—"
    return f"{number:.{int(digits)}f}"


@register.filter
def pval(value) -> str:
    """'p < 0.001', 'p = 0.004', 'p = 0.39' (the formatter of every figure and report)."""
    if value is None or value == "":
        return "—"
    return p_text(float(value))


@register.filter
def percent(value) -> str:
    """I² and weights arrive in percent already."""
    return "—" if value is None else f"{float(value):.1f}%"


@register.filter
def seconds(value) -> str:
    if value is None:
        return ""
    value = float(value)
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.0f} min"
