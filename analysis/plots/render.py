"""Shared figure style, text measurement and deterministic SVG/PNG output."""

from __future__ import annotations

import io
from functools import lru_cache

import matplotlib

# Server-side rendering only: never let a GUI backend be picked up from the environment.
matplotlib.use("Agg")

from matplotlib.artist import Artist  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties, findfont, get_font  # noqa: E402
from matplotlib.ft2font import LoadFlags  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.transforms import IdentityTransform  # noqa: E402

from figure_text import PLAIN_TEXT, clean_texts, drawable  # noqa: E402

FONT_FAMILY = "DejaVu Sans"
FONT_SIZE = 8.0

# Everything that affects the drawn bytes, applied with rc_context at creation and at saving,
# so a caller's own rcParams never change our figures and ours never leak into theirs.
STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY],
    "font.size": FONT_SIZE,
    "axes.unicode_minus": False,
    "axes.linewidth": 0.8,
    "axes.labelsize": FONT_SIZE,
    "axes.titlesize": FONT_SIZE + 1,
    "xtick.labelsize": FONT_SIZE,
    "ytick.labelsize": FONT_SIZE,
    "xtick.major.width": 0.8,
    "ytick.major.width": 0.8,
    "xtick.major.size": 3.0,
    "ytick.major.size": 3.0,
    "xtick.minor.size": 0.0,
    "ytick.minor.size": 0.0,
    "lines.linewidth": 1.0,
    "lines.solid_capstyle": "butt",
    "legend.fontsize": FONT_SIZE,
    "legend.frameon": False,
    # What users type is drawn as plain text, never read as math or LaTeX.
    **PLAIN_TEXT,
    "svg.fonttype": "none",  # text stays text: searchable, selectable, small
    "svg.hashsalt": "opensynth",  # stable element ids, so equal input gives equal bytes
    "svg.image_inline": True,
    "path.simplify": True,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
}
if "svg.id" in matplotlib.rcParams:
    STYLE["svg.id"] = "opensynth-figure"

INK = "#000000"
GREY = "#6b6b6b"
LIGHT_GREY = "#bdbdbd"
# Okabe-Ito, readable by colour-blind readers and distinct in greyscale print.
ARM_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def style():
    """The context every figure is built in (fonts, sizes and line widths are read at creation)."""
    return matplotlib.rc_context(STYLE)


def new_figure(width: float, height: float) -> Figure:
    """A figure of width × height inches outside pyplot (no global state, no leak)."""
    with style():
        return Figure(figsize=(width, height), dpi=72)


def to_svg(fig: Figure) -> str:
    """The figure as SVG text: text as <text>, no date, stable ids."""
    buffer = io.StringIO()
    clean_texts(fig)
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "OpenSynth"})
    return buffer.getvalue()


def to_png(fig: Figure, dpi: int = 150) -> bytes:
    """The figure as PNG bytes at ``dpi``."""
    buffer = io.BytesIO()
    clean_texts(fig)
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": "OpenSynth"})
    return buffer.getvalue()


@lru_cache(maxsize=4)
def _font(bold: bool):
    weight = "bold" if bold else "normal"
    return get_font(findfont(FontProperties(family=FONT_FAMILY, weight=weight)))


@lru_cache(maxsize=16384)
def text_metrics(text: str, size: float = FONT_SIZE, bold: bool = False) -> tuple[float, float, float]:
    """Width, height and descent of one line of text in inches, as matplotlib lays it out."""
    text = drawable(text)
    if not text:
        return 0.0, 0.0, 0.0
    font = _font(bold)
    font.set_size(size, 72)
    font.set_text(text, 0.0, flags=LoadFlags.NO_HINTING)
    width, height = font.get_width_height()
    return width / 64 / 72, height / 64 / 72, font.get_descent() / 64 / 72


def text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """Width of one line of text in inches."""
    return text_metrics(text, size, bold)[0]


class TextBatch(Artist):
    """Many one-line texts drawn by one artist: what a table of a few hundred cells needs.

    A Text artist per cell costs about a millisecond to create and lay out; here the
    metrics come from a cache and each cell is one renderer.draw_text call. Positions
    are (x, y) in ``transform`` coordinates; alignment is horizontal (left, center,
    right) about x and vertical centring on y, as Text(va="center") does.
    """

    def __init__(self, transform):
        super().__init__()
        self.set_transform(transform)
        self.items: list[tuple[float, float, str, str, bool, float, str]] = []
        # A real (never drawn) Text is handed to the renderer as the "original text", so the
        # SVG gets text-anchor middle/end and browsers align cells even with another font.
        self._anchors = {ha: Text(0, 0, "", ha=ha, transform=IdentityTransform()) for ha in _ANCHOR_HA}

    def add(self, x, y, text, *, ha="left", bold=False, size=FONT_SIZE, color=INK) -> None:
        text = drawable(text) if text else ""
        if text:
            self.items.append((float(x), float(y), text, ha, bool(bold), float(size), color))

    def texts(self) -> list[str]:
        return [item[2] for item in self.items]

    def draw(self, renderer) -> None:
        if not self.get_visible() or not self.items:
            return
        dpi = self.get_figure(root=True).dpi
        points = self.get_transform().transform([(item[0], item[1]) for item in self.items])
        lp_height, lp_descent = {}, {}
        properties = {}
        renderer.open_group("text-batch", gid=self.get_gid())
        gc = renderer.new_gc()
        for (x, y), (_, _, text, ha, bold, size, color) in zip(points, self.items, strict=True):
            key = (size, bold)
            if key not in properties:
                properties[key] = FontProperties(
                    family=FONT_FAMILY, size=size, weight="bold" if bold else "normal"
                )
                _, lp_height[key], lp_descent[key] = text_metrics("lp", size, bold)
            width, height, descent = text_metrics(text, size, bold)
            height, descent = max(height, lp_height[key]), max(descent, lp_descent[key])
            left = x - width * dpi * _ANCHOR_HA[ha]
            baseline = y - (height / 2 - descent) * dpi
            anchor = self._anchors[ha]
            anchor.set_x(x)
            gc.set_foreground(color)
            renderer.draw_text(
                gc,
                left,
                renderer.height - baseline if renderer.flipy() else baseline,
                text,
                properties[key],
                0.0,
                ismath=False,
                mtext=anchor,
            )
        gc.restore()
        renderer.close_group("text-batch")
        self.stale = False


_ANCHOR_HA = {"left": 0.0, "center": 0.5, "right": 1.0}


def fit_text(text: str, max_width: float, size: float = FONT_SIZE, bold: bool = False) -> str:
    """The text, cut with an ellipsis when it is wider than max_width inches."""
    if text_width(text, size, bold) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + "…", size, bold) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"
