"""RIS reader (PubMed, Ovid, Embase, Scopus, Web of Science, EndNote, Zotero, ProQuest exports).

rispy reads RIS well but reports neither line numbers nor per-record errors, and it stops on
quirks real exports have; so this is a small line-based reader that keeps rispy's tag names.
"""

from __future__ import annotations

import re

from rispy.config import TAG_KEY_MAPPING

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
    split_keywords,
)

FORMAT = "ris"

# Tags beyond rispy's table that exports use (Ovid, EndNote, ProQuest, older RIS specs).
_EXTRA_TAGS = {"BT", "CT", "CP", "DI", "J1", "L3", "LK", "M2", "PM", "U1", "U2", "U3", "U4", "U5", "Y3"}
KNOWN_TAGS = frozenset(TAG_KEY_MAPPING) | _EXTRA_TAGS

# Standard form: two capitals/digits, two spaces, hyphen ("TY  - JOUR", "ER  -").
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*)|\s*)$")
# Sloppy forms ("TY - JOUR", "  AU -  Smith"), trusted only for tags that exist.
_LOOSE_TAG_LINE = re.compile(r"^\s*([A-Z][A-Z0-9])\s*-(?:\s+(.*)|\s*)$")
# Record numbers that Scopus, Embase, Web of Science and EndNote put before TY ("1.", "<2>", "3)").
_RECORD_NUMBER = re.compile(r"^\s*(?:record\s*)?<?\s*\d+\s*[.)>:]?\s*(?:of\s+\d+)?\s*$", re.IGNORECASE)

_TITLE_TAGS = ("TI", "T1", "CT", "BT", "ST")
_YEAR_TAGS = ("PY", "Y1", "DA", "Y3")
_JOURNAL_TAGS = ("JF", "T2", "JO", "JA", "J2", "J1")
_LIST_TAGS = frozenset({"AU", "A1", "A2", "A3", "A4", "KW", "UR"})
# Tags that hold one short value: text on the next line cannot belong to them.
_SINGLE_LINE_TAGS = frozenset({"TY", "ER"})
_NON_PUBMED_DATABASES = ("embase", "proquest", "scopus", "web of science", "wos", "psycinfo", "cinahl")


def parse_ris(text: str, max_records: int | None = None) -> ParseResult:
    """Read RIS text into records, reporting bad records (with their line) and skipping them."""
    collector = RecordCollector(FORMAT, max_records)
    try:
        _read(text, collector)
    except RecordLimitReached:
        pass
    return collector.result()


def split_lines(text: str) -> list[str]:
    """Lines of a file whatever its line endings, without byte-order marks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # A DOS end-of-file mark or NUL padding is not text; a BOM appears mid-file where files were joined.
    return [line.lstrip("\ufeff").rstrip(" \t\x00\x1a") for line in text.split("\n")]


_TAG_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_TAG_SECOND = _TAG_FIRST | frozenset("0123456789")


def match_tag(line: str) -> tuple[str, str] | None:
    """(tag, value) if the line starts an RIS field, else None."""
    # Fast path for the standard "XX  - value" form, which is nearly every line of a large file.
    if line[2:5] == "  -" and line[0] in _TAG_FIRST and line[1] in _TAG_SECOND:
        if len(line) == 5:
            return line[:2], ""
        if line[5] == " ":
            return line[:2], line[6:].strip()
    match = _TAG_LINE.match(line)
    if match is None:
        if line.strip() == "ER":
            return "ER", ""
        match = _LOOSE_TAG_LINE.match(line)
        if match is None or match.group(1) not in KNOWN_TAGS:
            return None
    return match.group(1), (match.group(2) or "").strip()


class _OpenRecord:
    """Fields of the record being read, tag -> values, plus where it started."""

    __slots__ = ("start_line", "fields", "last_tag", "problem")

    def __init__(self, start_line: int):
        self.start_line = start_line
        self.fields: dict[str, list[str]] = {}
        self.last_tag: str | None = None
        self.problem: str | None = None

    def add(self, tag: str, value: str) -> None:
        self.fields.setdefault(tag, []).append(value)
        self.last_tag = tag

    def continue_value(self, line_number: int, text: str) -> None:
        """A line without a tag continues the previous field (wrapped abstracts, keyword lists)."""
        tag = self.last_tag
        if tag is None or tag in _SINGLE_LINE_TAGS:
            self.problem = self.problem or f"line {line_number} is not an RIS field: {text[:60]!r}"
            return
        values = self.fields[tag]
        if tag in _LIST_TAGS:
            values.append(text.strip())
        else:
            values[-1] = f"{values[-1]} {text.strip()}" if values[-1] else text.strip()


def _read(text: str, collector: RecordCollector) -> None:
    lines = split_lines(text)
    current: _OpenRecord | None = None
    seen_record = False
    stray_start: int | None = None  # first line of a run of text found between records

    def flush_stray() -> None:
        nonlocal stray_start
        if stray_start is not None:
            if seen_record:
                collector.error(stray_start, f"text at line {stray_start} is not part of an RIS record")
            else:
                collector.warn(stray_start, "text before the first record was ignored")
            stray_start = None

    for index, line in enumerate(lines):
        number = index + 1
        if not line.strip():
            continue
        tagged = match_tag(line)
        if tagged is None:
            if current is not None:
                if _RECORD_NUMBER.match(line) and _next_starts_record(lines, index + 1):
                    continue
                current.continue_value(number, line)
            elif not _RECORD_NUMBER.match(line) and stray_start is None:
                stray_start = number
            continue
        tag, value = tagged
        if tag == "TY":
            flush_stray()
            if current is not None:
                collector.warn(current.start_line, f"record at line {current.start_line} has no ER line")
                _finish(current, collector)
            current = _OpenRecord(number)
            seen_record = True
            current.add(tag, value)
        elif tag == "ER":
            if current is None:
                flush_stray()
                continue
            _finish(current, collector)
            current = None
        else:
            if current is None:
                flush_stray()
                collector.warn(number, f"record at line {number} does not start with TY")
                current = _OpenRecord(number)
                seen_record = True
            current.add(tag, value)
    flush_stray()
    if current is not None:
        collector.warn(current.start_line, f"record at line {current.start_line} has no ER line")
        _finish(current, collector)


def _next_starts_record(lines: list[str], start: int) -> bool:
    """True if the next non-blank line is a TY line (so a lone number before it is a record number)."""
    for line in lines[start : start + 5]:
        if line.strip():
            tagged = match_tag(line)
            return tagged is not None and tagged[0] == "TY"
    return False


def _finish(current: _OpenRecord, collector: RecordCollector) -> None:
    if current.problem:
        collector.error(
            current.start_line, f"record at line {current.start_line} was skipped: {current.problem}"
        )
        return
    record = record_from_fields(current.fields, current.start_line)
    year_values = [v for tag in _YEAR_TAGS for v in current.fields.get(tag, []) if v.strip()]
    if record.year is None and year_values:
        collector.warn(current.start_line, f"year {year_values[0]!r} not understood")
    collector.add(record)


def _first(fields: dict[str, list[str]], tags: tuple[str, ...]) -> str:
    for tag in tags:
        for value in fields.get(tag, ()):
            value = clean_text(value)
            if value:
                return value
    return ""


def record_from_fields(fields: dict[str, list[str]], source_line: int) -> ParsedRecord:
    """Map RIS tags to a ParsedRecord, trying the tags each exporter uses in order."""
    authors = _authors(fields, ("AU", "A1")) or _authors(fields, ("A2", "A3", "A4"))
    year = None
    for tag in _YEAR_TAGS:
        for value in fields.get(tag, ()):
            year = year or parse_year(value)
    return ParsedRecord(
        title=_first(fields, _TITLE_TAGS),
        abstract=_joined(fields, "AB") or _joined(fields, "N2"),
        authors=authors,
        year=year,
        journal=_first(fields, _JOURNAL_TAGS),
        volume=_first(fields, ("VL",)),
        issue=_first(fields, ("IS", "CP")),
        pages=join_pages(_first(fields, ("SP",)), _first(fields, ("EP",))),
        doi=_doi(fields),
        pmid=_pmid(fields),
        keywords=split_keywords(fields.get("KW", [])),
        url=_url(fields),
        source_line=source_line,
        raw_type=_first(fields, ("TY",)),
    )


def _joined(fields: dict[str, list[str]], tag: str) -> str:
    """All values of a tag as one text: some exporters write each abstract paragraph as its own AB."""
    return " ".join(text for text in (clean_text(v) for v in fields.get(tag, ())) if text)


def _authors(fields: dict[str, list[str]], tags: tuple[str, ...]) -> list[str]:
    authors: list[str] = []
    for tag in tags:
        for value in fields.get(tag, ()):
            for name in value.split(";"):
                name = normalise_author(name)
                if name:
                    authors.append(name)
    return authors


def _doi(fields: dict[str, list[str]]) -> str:
    for tag in ("DO", "DI"):
        for value in fields.get(tag, ()):
            doi = normalise_doi(value)
            if doi:
                return doi
    # Older EndNote and ProQuest files put the DOI in M3, L3 or a doi.org link.
    for tag in ("M3", "L3", "UR", "L2", "L1", "N1"):
        for value in fields.get(tag, ()):
            for piece in value.split(";"):
                doi = find_doi(piece)
                if doi:
                    return doi
    return ""


def _pmid(fields: dict[str, list[str]]) -> str:
    for value in fields.get("PM", ()):
        if normalise_pmid(value):
            return normalise_pmid(value)
    # Scopus writes the PubMed ID to C2; EndNote writes a PMCID ("PMC123") there, which is not one.
    for value in fields.get("C2", ()):
        if value.strip().isdigit():
            return normalise_pmid(value)
    # AN is the accession number of whichever database exported the file: a PMID only for PubMed.
    database = " ".join(fields.get("DB", []) + fields.get("DP", [])).lower()
    if not any(name in database for name in _NON_PUBMED_DATABASES):
        for value in fields.get("AN", ()):
            value = value.strip()
            if value.isdigit() and len(value) <= 8:
                return normalise_pmid(value)
    for tag in ("N1", "M1", "M2", "C1", "C3", "C5", "AN"):
        for value in fields.get(tag, ()):
            match = re.search(r"\bPMID\s*:?\s*(\d{1,9})\b", value)
            if match and len(value) < 40:
                return normalise_pmid(match.group(1))
    return ""


def _url(fields: dict[str, list[str]]) -> str:
    for tag in ("UR", "L2"):
        for value in fields.get(tag, ()):
            for piece in value.split(";"):
                if piece.strip():
                    return piece.strip()
    return ""


def write_ris(records) -> str:
    """RIS text for ParsedRecords (the inverse of parse_ris for the fields a record holds)."""
    out: list[str] = []
    for record in records:
        out.append(f"TY  - {record.raw_type or 'JOUR'}")
        fields = [("TI", record.title), ("AB", record.abstract)]
        fields += [("AU", author) for author in record.authors]
        fields += [
            ("PY", str(record.year) if record.year else ""),
            ("T2", record.journal),
            ("VL", record.volume),
            ("IS", record.issue),
            ("SP", record.pages),
            ("DO", record.doi),
            ("AN", record.pmid),
            ("UR", record.url),
        ]
        fields += [("KW", keyword) for keyword in record.keywords]
        out.extend(f"{tag}  - {clean_text(value)}" for tag, value in fields if value)
        out.append("ER  - \n")
    return "\n".join(out)
