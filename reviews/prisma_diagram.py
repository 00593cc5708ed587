"""The PRISMA 2020 flow diagram drawn with matplotlib, to SVG or PNG, from ``prisma_counts``.

Uses matplotlib's object API (no pyplot), so it is safe in web processes and threads.
"""

import io
import textwrap

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from figure_text import clean_texts, plain_text

WIDTH, HEIGHT = 16.0, 12.0  # drawing units = inches
BOX_COLOUR, EDGE, HEADER = "#ffffff", "#1d2733", "#dbe6f3"
ROWS = {"identified": 10.1, "screened": 7.75, "sought": 5.75, "assessed": 3.55, "included": 1.05}
ROW_HEIGHT = {"identified": 2.0, "screened": 1.3, "sought": 1.1, "assessed": 2.0, "included": 1.2}
# x positions: databases main and side boxes, other-methods main and side boxes.
COLUMNS = {"db": (1.0, 3.4), "db_side": (4.8, 3.4), "other": (8.8, 3.2), "other_side": (12.4, 3.3)}


def _fmt(n: int) -> str:
    return f"{n:,}"


def _lines(counts: dict) -> dict[str, list[str]]:
    db, other, removed = counts["databases"], counts["other"], counts["removed_before_screening"]

    def identified(column, title):
        lines = [f"{title} (n = {_fmt(column['identified'])})"]
        lines += [f"  {s['name']} (n = {_fmt(s['records'])})" for s in column["sources"][:8]]
        if len(column["sources"]) > 8:
            lines.append(f"  … and {len(column['sources']) - 8} more sources")
        return lines

    db_identified = identified(db, "Records identified from databases and registers")
    entered = sum(counts["entered_by_owner"].values())
    if entered:
        db_identified.append(f"  Removed before import, as entered (n = {_fmt(entered)})")

    def reasons(column):
        lines = [f"Reports excluded (n = {_fmt(column['reports_excluded'])})"]
        lines += [f"  {r['reason']} (n = {_fmt(r['reports'])})" for r in column["exclusion_reasons"][:9]]
        return lines

    def progress(n, what):
        return [f"({_fmt(n)} {what})"] if n else []

    other_removed = other["duplicates"] + other["excluded"]
    return {
        "db": db_identified,
        "db_side": [
            "Records removed before screening:",
            f"  Duplicate records (n = {_fmt(removed['duplicates'])})",
            f"  Marked ineligible by automation tools (n = {_fmt(removed['removed_by_automation'])})",
            f"  Removed for other reasons (n = {_fmt(removed['removed_other_reasons'])})",
        ],
        "db_screened": [f"Records screened (n = {_fmt(db['screened'])})"]
        + progress(db["awaiting_screening"], "awaiting screening"),
        "db_excluded": [f"Records excluded (n = {_fmt(db['excluded'])})"],
        "db_sought": [f"Reports sought for retrieval (n = {_fmt(db['sought'])})"],
        "db_not_retrieved": [f"Reports not retrieved (n = {_fmt(db['not_retrieved'])})"],
        "db_assessed": [f"Reports assessed for eligibility (n = {_fmt(db['assessed'])})"]
        + progress(db["awaiting_assessment"], "awaiting assessment"),
        "db_reasons": reasons(db),
        "other": identified(other, "Records identified from other methods")
        + (
            [f"  Duplicates or excluded at title/abstract (n = {_fmt(other_removed)})"]
            if other_removed
            else []
        )
        + progress(other["awaiting_screening"], "awaiting screening"),
        "other_sought": [f"Reports sought for retrieval (n = {_fmt(other['sought'])})"],
        "other_not_retrieved": [f"Reports not retrieved (n = {_fmt(other['not_retrieved'])})"],
        "other_assessed": [f"Reports assessed for eligibility (n = {_fmt(other['assessed'])})"]
        + progress(other["awaiting_assessment"], "awaiting assessment"),
        "other_reasons": reasons(other),
        "included": [
            f"Studies included in review (n = {_fmt(counts['studies_included'])})",
            f"Reports of included studies (n = {_fmt(counts['reports_included'])})",
        ],
    }


def _box(ax, x, y_centre, width, height, lines, *, fill=BOX_COLOUR, size=9.5):
    top = y_centre + height / 2
    ax.add_patch(
        FancyBboxPatch(
            (x, y_centre - height / 2),
            width,
            height,
            boxstyle="square,pad=0",
            linewidth=1.1,
            edgecolor=EDGE,
            facecolor=fill,
        )
    )
    wrapped = []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        wrapped += textwrap.wrap(line, width=int(width * 11.5), subsequent_indent=" " * (indent + 2)) or [""]
    ax.text(x + 0.1, top - 0.1, "\n".join(wrapped), va="top", ha="left", fontsize=size, family="DejaVu Sans")
    return (x, y_centre - height / 2, width, height)


def _arrow(ax, start, end):
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": EDGE, "lw": 1.1})


def draw(counts: dict) -> Figure:
    """The flow diagram as a matplotlib Figure; build it inside ``plain_text()``, as ``render`` does."""
    figure = Figure(figsize=(WIDTH, HEIGHT))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, HEIGHT)
    ax.axis("off")
    text = _lines(counts)

    ax.text(0.2, 11.7, "PRISMA 2020 flow diagram", fontsize=13, weight="bold", va="center")
    for label, top, bottom in (
        ("Identification", 11.2, 9.0),
        ("Screening", 8.5, 2.4),
        ("Included", 1.75, 0.35),
    ):
        ax.add_patch(
            FancyBboxPatch((0.2, bottom), 0.55, top - bottom, boxstyle="round,pad=0", fc=HEADER, ec=EDGE)
        )
        ax.text(
            0.475,
            (top + bottom) / 2,
            label,
            rotation=90,
            ha="center",
            va="center",
            fontsize=10,
            weight="bold",
        )
    ax.add_patch(FancyBboxPatch((1.0, 11.25), 7.2, 0.35, boxstyle="round,pad=0", fc=HEADER, ec=EDGE))
    ax.text(4.6, 11.42, "Identification of studies via databases and registers", ha="center", va="center")
    ax.add_patch(FancyBboxPatch((8.8, 11.25), 6.9, 0.35, boxstyle="round,pad=0", fc=HEADER, ec=EDGE))
    ax.text(12.25, 11.42, "Identification of studies via other methods", ha="center", va="center")

    def main(col, row, key):
        x, w = COLUMNS[col]
        return _box(ax, x, ROWS[row], w, ROW_HEIGHT[row], text[key])

    def right_arrow(a, b):
        _arrow(ax, (a[0] + a[2], a[1] + a[3] / 2), (b[0], b[1] + b[3] / 2))

    def down_arrow(a, b):
        _arrow(ax, (a[0] + a[2] / 2, a[1]), (b[0] + b[2] / 2, b[1] + b[3]))

    db_identified = main("db", "identified", "db")
    right_arrow(db_identified, main("db_side", "identified", "db_side"))
    screened = main("db", "screened", "db_screened")
    down_arrow(db_identified, screened)
    right_arrow(screened, main("db_side", "screened", "db_excluded"))
    sought = main("db", "sought", "db_sought")
    down_arrow(screened, sought)
    right_arrow(sought, main("db_side", "sought", "db_not_retrieved"))
    assessed = main("db", "assessed", "db_assessed")
    down_arrow(sought, assessed)
    right_arrow(assessed, main("db_side", "assessed", "db_reasons"))
    included = main("db", "included", "included")
    down_arrow(assessed, included)

    other_identified = main("other", "identified", "other")
    other_sought = main("other", "sought", "other_sought")
    down_arrow(other_identified, other_sought)
    right_arrow(other_sought, main("other_side", "sought", "other_not_retrieved"))
    other_assessed = main("other", "assessed", "other_assessed")
    down_arrow(other_sought, other_assessed)
    right_arrow(other_assessed, main("other_side", "assessed", "other_reasons"))
    # Other methods' included reports join the one "included" box.
    _arrow(
        ax,
        (other_assessed[0] + other_assessed[2] / 2, other_assessed[1]),
        (included[0] + included[2], included[1] + included[3] / 2),
    )
    return figure


def render(counts: dict, fmt: str) -> bytes:
    """The diagram as SVG or PNG bytes."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"Unknown diagram format {fmt!r}")
    buffer = io.BytesIO()
    with plain_text():
        figure = draw(counts)
        clean_texts(figure)
        if fmt == "svg":
            # A fixed hash salt and no date keep the SVG the same for the same counts.
            with matplotlib.rc_context({"svg.hashsalt": "opensynth-prisma"}):
                FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})
        else:
            figure.set_dpi(110)
            FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()
