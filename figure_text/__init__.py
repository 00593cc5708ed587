"""The text rule for every matplotlib figure: what users type is drawn as plain text.

matplotlib reads ``$…$`` as math (and ``usetex`` would hand text to LaTeX), so a study
label, source name or title holding dollar signs would be parsed and could fail to draw.
Control characters and lone surrogates cannot be measured by FreeType nor written in XML,
so they are dropped or replaced before drawing. This package is not an app and imports no
Django, so both the plots (which import no app) and the PRISMA diagram in reviews can use it.
"""

import unicodedata

import matplotlib
from matplotlib.figure import Figure
from matplotlib.text import Text

# Read by matplotlib when a Text is created, so figures are built (not only saved) inside it.
PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False}
REPLACEMENT = "\ufffd"


def plain_text():
    """The context figures are built and saved in."""
    return matplotlib.rc_context(PLAIN_TEXT)


def drawable(text: str) -> str:
    """The text without control characters (line breaks and tabs kept) and with unencodable ones replaced."""
    kept = []
    for character in str(text):
        category = unicodedata.category(character)
        if category == "Cc" and character not in "\n\t":
            continue
        if category == "Cs" or character in "\ufffe\uffff":
            kept.append(REPLACEMENT)
        else:
            kept.append(character)
    return "".join(kept)


def clean_texts(figure: Figure) -> None:
    """Make every text artist of the figure drawable (before saving)."""
    for artist in figure.findobj(Text):
        text = artist.get_text()
        if text and drawable(text) != text:
            artist.set_text(drawable(text))
