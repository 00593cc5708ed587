"""What the analysis page shows of a result: the numbers, the study rows and the SVG figures.

Figures come from ``analysis.plots`` (matplotlib, rendered on the server) and are cached
per result, so a page that polls re-draws nothing until a new result arrives.
"""

import logging

from django.core.cache import cache

from analysis import plots
from analysis.engine import MIN_STUDIES_FOR_SMALL_STUDY_TESTS, PooledResult
from analysis.models import Analysis, ResultStatus
from analysis.recompute.compute import engine_rows
from analysis.selectors import AnalysisStatus, summary_of

logger = logging.getLogger(__name__)

PI_KEYS = ("pi_lower", "pi_upper")


def token(status: AnalysisStatus) -> str:
    """Identifies what the result block shows; the page swaps the block when it changes."""
    return f"{status.result_id or 0}-{status.result_version or 0}-{status.data_version}-{status.state}"


def _without_pi(numbers: dict) -> dict:
    """The numbers without prediction intervals, for an analysis that does not show them."""
    trimmed = {k: v for k, v in numbers.items() if k not in PI_KEYS}
    if isinstance(numbers.get("summary"), dict):
        trimmed["summary"] = {k: v for k, v in numbers["summary"].items() if k not in PI_KEYS}
    if isinstance(numbers.get("subgroups"), dict):
        trimmed["subgroups"] = {name: _without_pi(group) for name, group in numbers["subgroups"].items()}
    return trimmed


def _svg(figure) -> str:
    from analysis.plots import to_svg

    svg = to_svg(figure)
    # Drop the XML prolog and DOCTYPE so the SVG can sit inline in the page.
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


FIGURE_NAMES = {
    "forest_plot": "Forest plot",
    "funnel_plot": "Funnel plot",
    "bubble_plot": "Bubble plot",
    "km_plot": "Kaplan-Meier curves",
}


def _plot(name: str, not_drawn: dict[str, str], *args, **kwargs) -> str:
    """One figure as inline SVG; empty, with the reason in ``not_drawn``, when it cannot be drawn."""
    draw = getattr(plots, name, None)
    if draw is None:
        return ""
    try:
        return _svg(draw(*args, **kwargs))
    except Exception as error:  # a figure that cannot be drawn must not take the numbers down with it
        logger.exception("could not draw %s", name)
        not_drawn[FIGURE_NAMES.get(name, name)] = f"{type(error).__name__}: {error}"
        return ""


def figures(analysis: Analysis, numbers: dict, input_rows: dict) -> dict:
    """The SVG figures of a result: forest, funnel (with Egger), bubble (moderators), Kaplan-Meier."""
    rows = engine_rows(analysis.outcome.kind, input_rows.get("rows") or [])
    data_rows = rows if not numbers.get("per_trial") else None
    shown = numbers if analysis.prediction_interval else _without_pi(numbers)
    not_drawn: dict[str, str] = {}
    out = {
        "forest": _plot("forest_plot", not_drawn, shown, data_rows=data_rows, title=analysis.name),
        "funnel": "",
        "bubbles": [],
        "km": "",
        "not_drawn": not_drawn,  # figure -> why it is not applicable to this result
    }
    if len(numbers.get("studies") or []) >= MIN_STUDIES_FOR_SMALL_STUDY_TESTS:
        out["funnel"] = _plot("funnel_plot", not_drawn, numbers)
    if numbers.get("moderators"):
        for moderator in analysis.moderators or []:
            if moderator in numbers["moderators"]:  # continuous moderators only; factors have level terms
                out["bubbles"].append(_plot("bubble_plot", not_drawn, numbers, rows, moderator))
    km = (numbers.get("one_stage") or {}).get("km_curves")
    if km:
        out["km"] = _plot("km_plot", not_drawn, numbers["one_stage"], title="Kaplan-Meier, per arm")
    return out


def result_block(*, analysis: Analysis, status: AnalysisStatus) -> dict:
    """Everything the result block of the page shows (figures cached per result)."""
    result = analysis.current_result
    if result is None:
        return {"result": None}
    block = {"result": result, "numbers": result.numbers, "failed": result.status == ResultStatus.FAILED}
    if result.status != ResultStatus.OK:
        return block
    numbers = result.numbers
    typed = PooledResult.from_json(numbers)
    block["summary"] = summary_of(numbers)
    block["show_pi"] = analysis.prediction_interval
    block["studies"] = typed.studies
    block["subgroups"] = typed.subgroups.levels if typed.subgroups else {}
    block["moderators"] = typed.regression.moderators if typed.regression else {}
    block["egger"] = typed.egger
    block["one_stage"] = typed.one_stage
    block["interactions"] = typed.interactions
    # Everything that decides the figures is in the key: ids alone can come back (SQLite reuses
    # the highest id after a delete), and a reused id must never show another result's plots.
    key = (
        f"analysis-figures:{analysis.pk}:{analysis.definition_version}:{result.pk}:"
        f"{result.data_version}:{result.input_hash}:{result.computed_at.timestamp()}"
    )
    cached = cache.get(key)
    if cached is None:
        cached = figures(analysis, numbers, result.input_rows or {})
        cache.set(key, cached, 3600)
    block["figures"] = cached
    return block
