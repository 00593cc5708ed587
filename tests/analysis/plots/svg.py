"""Reading the text of an SVG figure as a reader (or a search box) sees it."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from analysis.plots.render import text_width

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class SvgText:
    text: str
    x: float
    y: float
    anchor: str
    size: float
    bold: bool

    @property
    def left(self) -> float:
        """Left edge in points, from the font's metrics."""
        width = text_width(self.text, self.size, self.bold) * 72
        return self.x - {"start": 0.0, "middle": 0.5, "end": 1.0}[self.anchor] * width

    @property
    def right(self) -> float:
        return self.left + text_width(self.text, self.size, self.bold) * 72


def texts(svg: str) -> list[SvgText]:
    """Every <text> element with its position, anchor, size and weight."""
    root = ET.fromstring(svg)
    found = []
    for element in root.iter(f"{SVG}text"):
        style = dict(
            (part.split(":", 1)[0].strip(), part.split(":", 1)[1].strip())
            for part in (element.get("style") or "").split(";")
            if ":" in part
        )
        x, y = element.get("x"), element.get("y")
        if x is None:  # placed by a translate() transform instead
            match = re.search(r"translate\(([-\d.e]+)[ ,]([-\d.e]+)\)", element.get("transform") or "")
            x, y = (match.group(1), match.group(2)) if match else ("0", "0")
        found.append(
            SvgText(
                text="".join(element.itertext()),
                x=float(x),
                y=float(y),
                anchor=style.get("text-anchor", "start"),
                size=float(style.get("font-size", "8px").rstrip("px")),
                bold=style.get("font-weight", "400") in ("700", "bold"),
            )
        )
    return found


def strings(svg: str) -> list[str]:
    return [t.text for t in texts(svg)]


def tick_labels(svg: str, axis: str = "x") -> list[SvgText]:
    """The tick labels of the x (or y) axis, from matplotlib's xtick_N groups."""
    root = ET.fromstring(svg)
    labels = []
    for group in root.iter(f"{SVG}g"):
        if (group.get("id") or "").startswith(f"{axis}tick_"):
            labels += texts(ET.tostring(_wrap(group), encoding="unicode"))
    return labels


def _wrap(group):
    svg = ET.Element(f"{SVG}svg")
    svg.append(group)
    return svg


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG header (after checking the signature)."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])
