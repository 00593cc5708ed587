"""Every figure draws any text a user can type as plain text: a valid SVG and PNG, never an exception.

Study labels, arm names, moderator names, titles and source names reach matplotlib, which would read
``$…$`` as math (issue 12, finding 6). Hypothesis feeds arbitrary strings into every figure builder.
"""

from __future__ import annotations

import html
import string
import xml.etree.ElementTree as ET
from collections import Counter

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.engine import analyse_ipd, run_pooled_analysis
from analysis.plots import bubble_plot, forest_plot, funnel_plot, km_plot, to_png, to_svg
from analysis.plots.render import STYLE
from figure_text import PLAIN_TEXT
from reviews import prisma_diagram

# A glyph the font lacks is drawn as a box; that is expected for arbitrary unicode.
pytestmark = pytest.mark.filterwarnings("ignore:Glyph [0-9]+ ")

SVG_TEXT = "{http://www.w3.org/2000/svg}text"
EXAMPLES = 12
TRIED: Counter = Counter()

# Text matplotlib would treat specially, mixed with anything else unicode holds (control characters too).
TRICKY = st.sampled_from(["$", "\\", "{", "}", "^", "_", "%", "#", "&", "<", "\n", "\t", "\x00", "\x1b"])
TEXT = st.one_of(
    st.text(st.one_of(TRICKY, st.characters()), min_size=1, max_size=40),
    st.text(st.sampled_from(string.printable), min_size=200, max_size=400),
    st.sampled_from([r"Embase $\foo{$ export", "$x^2$", r"$\frac{1}{2}$", "$$", r"\$5 $ 10", "a_b^c"]),
)
# A label the engine reads as a missing value (blank, "NA", "nan"… as in a CSV) names no study,
# subgroup or arm, and labels are compared without their surrounding whitespace.
LABEL = TEXT.filter(
    lambda label: label.strip() and label.strip().upper() not in {"NA", "NAN", "NULL", "NONE", "."}
)


def labels(n: int):
    return st.lists(LABEL, min_size=n, max_size=n, unique_by=str.strip)


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _drawn(figure, name: str) -> str:
    """The figure as SVG and PNG: both must come out, the SVG must parse; its text is returned."""
    svg = to_svg(figure)
    root = ET.fromstring(svg)
    assert to_png(figure).startswith(b"\x89PNG")
    TRIED[name] += 1
    return " ".join("".join(element.itertext()) for element in root.iter(SVG_TEXT))


def _visible(text: str) -> str:
    """A stretch of the text that any figure shows unchanged: its first run of plain characters."""
    run = ""
    for character in text:
        if not character.isprintable() or character.isspace():
            break
        run += character
    return run[:3]


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    print("\nfigure examples tried: " + ", ".join(f"{name} {n}" for name, n in sorted(TRIED.items())))


def test_figures_and_prisma_share_the_plain_text_rule():
    assert PLAIN_TEXT.items() <= STYLE.items()


@SETTINGS
@given(names=labels(3), title=TEXT, measure_label=TEXT)
def test_forest_plot(names, title, measure_label):
    rows = [
        {"study": names[0], "ai": 4, "bi": 119, "ci": 11, "di": 128, "group": names[1]},
        {"study": names[1], "ai": 6, "bi": 300, "ci": 29, "di": 274, "group": names[1]},
        {"study": names[2], "ai": 3, "bi": 228, "ci": 11, "di": 209, "group": names[2]},
    ]
    result = run_pooled_analysis(rows, measure="RR", method="DL", subgroup="group")
    shown = _drawn(
        forest_plot(result, data_rows=rows, title=title, measure_label=measure_label, favours=(title, title)),
        "forest",
    )
    for name in names:
        assert _visible(name) in shown


@SETTINGS
@given(title=TEXT, measure_label=TEXT)
def test_funnel_plot(title, measure_label):
    rows = [
        {"study": f"s{i}", "ai": a, "bi": 100, "ci": c, "di": 100}
        for i, (a, c) in enumerate([(4, 11), (6, 29), (3, 11), (17, 65), (5, 3)])
    ]
    result = run_pooled_analysis(rows, measure="OR", method="REML", egger=True)
    shown = _drawn(funnel_plot(result, title=title, measure_label=measure_label), "funnel")
    assert _visible(title) in shown


@SETTINGS
@given(moderator=TEXT, title=TEXT, moderator_label=TEXT)
def test_bubble_plot(moderator, title, moderator_label):
    rows = [
        {"study": f"s{i}", "ai": a, "bi": 100, "ci": c, "di": 100, moderator: x}
        for i, (a, c, x) in enumerate([(4, 11, 44), (6, 29, 55), (3, 11, 42), (17, 65, 52), (5, 3, 13)])
    ]
    result = run_pooled_analysis(rows, measure="RR", method="REML", mods=[moderator])
    figure = bubble_plot(result, rows, moderator, title=title, moderator_label=moderator_label)
    shown = _drawn(figure, "bubble")
    assert _visible(title) in shown and _visible(moderator_label) in shown


@SETTINGS
@given(arms=labels(2), title=TEXT, time_label=TEXT)
def test_km_plot(arms, title, time_label):
    times = [5, 8, 12, 3, 20, 9, 15, 6, 11, 25, 4, 18]
    data = pd.DataFrame(
        {
            "time": times,
            "event": [1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0],
            "treatment": [arms[i % 2] for i in range(len(times))],
        }
    )
    result = analyse_ipd(data, time="time", event="event", treatment="treatment", control=arms[0])
    shown = _drawn(km_plot(result, title=title, time_label=time_label, medians=True), "km")
    assert _visible(arms[1]) in shown and _visible(title) in shown


def _counts(sources: list[str], reasons: list[str]) -> dict:
    column = {
        "identified": 10 * len(sources),
        "sources": [{"name": name, "records": 10} for name in sources],
        "screened": 5,
        "awaiting_screening": 1,
        "excluded": 2,
        "sought": 3,
        "not_retrieved": 1,
        "assessed": 2,
        "awaiting_assessment": 1,
        "reports_excluded": len(reasons),
        "exclusion_reasons": [{"reason": reason, "reports": 1} for reason in reasons],
        "duplicates": 1,
    }
    return {
        "databases": column,
        "other": column,
        "removed_before_screening": {"duplicates": 1, "removed_by_automation": 0, "removed_other_reasons": 0},
        "entered_by_owner": {"duplicates": 0},
        "studies_included": 1,
        "reports_included": 1,
    }


@settings(SETTINGS, max_examples=EXAMPLES // 2)  # a whole page of a diagram, in two formats
@given(sources=st.lists(TEXT, min_size=1, max_size=3), reasons=st.lists(TEXT, max_size=3))
def test_prisma_diagram(sources, reasons):
    counts = _counts(sources, reasons)
    svg = prisma_diagram.render(counts, "svg")
    # The diagram draws its text as paths, each introduced by a comment holding the text.
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    parser.feed(svg)
    root = parser.close()
    assert prisma_diagram.render(counts, "png").startswith(b"\x89PNG")
    TRIED["prisma"] += 1
    shown = html.unescape(" ".join(element.text or "" for element in root.iter(ET.Comment)))
    assert _visible(sources[0]) in shown


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(), max_size=30))
def test_any_text_becomes_drawable(text):
    import unicodedata

    from figure_text import drawable

    cleaned = drawable(text)
    assert all(unicodedata.category(c) not in ("Cc", "Cs") or c in "\n\t" for c in cleaned)
    assert drawable(cleaned) == cleaned
    TRIED["text cleaning"] += 1
