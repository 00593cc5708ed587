"""Screening text on pages: titles and abstracts with the review's highlight terms marked."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _term_pattern(term: str) -> str:
    stem = term.rstrip("*")
    body = r"\s+".join(re.escape(word) for word in stem.split())
    return body + (r"\w*" if term.endswith("*") else "")


def highlighted(text: str, *, include: list[str], exclude: list[str]) -> SafeString:
    """The text, escaped, with include terms in <mark class="term-include"> and exclude terms in term-exclude.

    A trailing * matches any ending; words of a term match across any whitespace.
    """
    kinds = [(t, "include") for t in include] + [(t, "exclude") for t in exclude]
    kinds = [(t, kind) for t, kind in kinds if t.rstrip("*").strip()]
    if not text or not kinds:
        return escape(text or "")
    # Longest terms first so "randomised controlled" wins over "randomised".
    kinds.sort(key=lambda item: -len(item[0]))
    groups = [f"(?P<{kind[0]}{i}>{_term_pattern(t)})" for i, (t, kind) in enumerate(kinds)]
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(groups) + r")(?!\w)", re.IGNORECASE)
    pieces, position = [], 0
    for match in pattern.finditer(text):
        kind = "include" if match.lastgroup.startswith("i") else "exclude"
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f'<mark class="term-{kind}">{escape(match.group(0))}</mark>')
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # every piece of user text above is escaped


@register.filter
def highlight(text: str, terms) -> SafeString:
    """``{{ record.title|highlight:terms }}`` with ``terms`` a ``HighlightTerms`` (or None: no marks)."""
    if terms is None:
        return escape(text or "")
    return highlighted(text, include=terms.include, exclude=terms.exclude)
