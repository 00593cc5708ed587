"""Number formatting for the analysis pages.

Every filter shows an em dash (or nothing, for ``seconds``) for a value that is not a finite
number: a failed analysis has no summary, and a template's missing key arrives as ``''``; one
absent number must never take a page down.
"""

import math

from django import template

from analysis.engine.report import p_text

register = template.Library()

MISSING = "—"


def _number(value) -> float | None:
    """The value as a finite float, or None for None, '', text, NaN and infinities."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@register.filter
def num(value, digits: int = 2) -> str:
    """A number with ``digits`` decimals; an em dash when there is none."""
    number = _number(value)
    if number is None:
        return MISSING
    return f"{number:.{int(digits)}f}"


@register.filter
def pval(value) -> str:
    """'p < 0.001', 'p = 0.004', 'p = 0.39' (the formatter of every figure and report); a dash for none."""
    number = _number(value)
    if number is None:
        return MISSING
    return p_text(number)


@register.filter
def percent(value) -> str:
    """I² and weights arrive in percent already."""
    number = _number(value)
    return MISSING if number is None else f"{number:.1f}%"


@register.filter
def seconds(value) -> str:
    number = _number(value)
    if number is None:
        return ""
    return f"{number:.0f} s" if number < 120 else f"{number / 60:.0f} min"
