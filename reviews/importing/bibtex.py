"""BibTeX reader on bibtexparser 2.x: entries become records, blocks it cannot parse become errors."""

from __future__ import annotations

import re

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text  # a dependency of bibtexparser

from .records import (
    ParsedRecord,
    ParseResult,
    RecordCollector,
    RecordLimitReached,
    clean_text,
    find_doi,
    join_pages,
    normalise_author,
    normalise_doi,
    normalise_pmid,
    parse_year,
)

FORMAT = "bibtex"

_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_LATEX_MARKS = re.compile(r"[\\{}$~]")

_LATEX = LatexNodes2Text()


def parse_bibtex(text: str, max_records: int | None = None) -> ParseResult:
    """Read BibTeX into records; failed blocks are reported with their line and skipped."""
    collector = RecordCollector(FORMAT, max_records)
    library = bibtexparser.parse_string(text)
    try:
        for block in library.blocks:
            line = (block.start_line or 0) + 1
            if isinstance(block, Entry):
                collector.add(record_from_entry(block, line))
            elif isinstance(block, DuplicateBlockKeyBlock) and isinstance(block.ignore_error_block, Entry):
                # Merged bibliographies repeat keys; the entry is still a reference.
                collector.warn(line, f"entry key {block.key!r} is used twice")
                collector.add(record_from_entry(block.ignore_error_block, line, strip_enclosing=True))
            elif isinstance(block, ParsingFailedBlock):
                entry = getattr(block, "ignore_error_block", None)
                if isinstance(entry, Entry):
                    collector.warn(line, f"entry at line {line}: {_describe(block)}")
                    collector.add(record_from_entry(entry, line, strip_enclosing=True))
                else:
                    collector.error(line, f"entry at line {line} could not be read: {_describe(block)}")
    except RecordLimitReached:
        pass
    if not library.entries and not library.failed_blocks and text.strip():
        collector.error(1, "no BibTeX entries found")
    return collector.result()


def _describe(block: ParsingFailedBlock) -> str:
    error = getattr(block, "error", None)
    message = str(error).split("\n")[0] if error else ""
    return message or "syntax error (check its braces and quotes)"


def latex_to_text(value: str) -> str:
    """Plain text from a BibTeX value: accents decoded ({\\"u} -> ü), protective braces removed."""
    if _LATEX_MARKS.search(value):
        try:
            value = _LATEX.latex_to_text(value)
        except Exception:  # noqa: BLE001 - malformed LaTeX must not lose the record
            pass
        value = value.replace("{", "").replace("}", "")
    return clean_text(value)


def _unenclose(value: str) -> str:
    """Remove the outer {…} or "…" that bibtexparser leaves on entries it recovered from errors."""
    value = value.strip()
    if len(value) >= 2 and (value[0], value[-1]) in (("{", "}"), ('"', '"')):
        return value[1:-1]
    return value


def split_bibtex_names(value: str) -> list[str]:
    """Split "A and B and {Barnes and Noble}" on top-level "and"."""
    names, depth, start = [], 0, 0
    for index, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and char.isspace():
            match = _AND.match(value, index)
            if match and match.start() == index and index >= start:
                names.append(value[start:index])
                start = match.end()
    names.append(value[start:])
    return [name for name in names if name.strip()]


def record_from_entry(entry: Entry, line: int, strip_enclosing: bool = False) -> ParsedRecord:
    """Map BibTeX fields (case-insensitive) to a ParsedRecord."""
    fields: dict[str, str] = {}
    for field in entry.fields:
        value = str(field.value) if field.value is not None else ""
        fields.setdefault(field.key.lower(), _unenclose(value) if strip_enclosing else value)

    def text(*keys: str) -> str:
        for key in keys:
            value = latex_to_text(fields.get(key, ""))
            if value:
                return value
        return ""

    names = fields.get("author") or fields.get("editor") or ""
    authors = [normalise_author(latex_to_text(name)) for name in split_bibtex_names(names)]
    keywords_text = text("keywords", "keyword", "mesh")
    separator = ";" if ";" in keywords_text else ","
    pmid = fields.get("pmid") or fields.get("pubmed") or ""
    if not pmid and fields.get("eprinttype", "").lower() == "pubmed":
        pmid = fields.get("eprint", "")
    return ParsedRecord(
        title=text("title", "booktitle"),
        abstract=text("abstract"),
        authors=[author for author in authors if author],
        year=parse_year(text("year", "date")),
        journal=text("journal", "journaltitle", "booktitle", "series"),
        volume=text("volume"),
        issue=text("number", "issue"),
        pages=join_pages(*_page_range(text("pages"))),
        doi=normalise_doi(text("doi")) or find_doi(text("url")),
        pmid=normalise_pmid(latex_to_text(pmid)),
        keywords=[k.strip() for k in keywords_text.split(separator) if k.strip()],
        url=text("url"),
        source_line=line,
        raw_type=entry.entry_type.lower(),
    )


def _page_range(pages: str) -> tuple[str, str]:
    """ "121--128" -> ("121", "128")."""
    start, _, end = pages.replace("–", "-").partition("-")
    return start.strip(), end.strip("- ")
