"""PubMed MEDLINE (.nbib, .txt) reader: "TAG - value" fields, six-space continuations, blank-line records."""

from __future__ import annotations

import re

from .records import (
    ParsedRecord,
    ParseResult,
    RecordCollector,
    RecordLimitReached,
    clean_text,
    normalise_author,
    normalise_doi,
    normalise_pmid,
    parse_year,
)
from .ris import split_lines

FORMAT = "medline"

# Tags are up to four capitals padded to four characters, then "- " ("PMID- ", "TI  - ", "FAU - ");
# one more character is allowed for tools that write longer tags.
_FIELD = re.compile(r"^([A-Z][A-Z0-9]{1,4})\s*- ?(.*)$")
_ID_SUFFIX = re.compile(r"\s*\[(\w+)\]\s*$")


def parse_medline(text: str, max_records: int | None = None) -> ParseResult:
    """Read MEDLINE text into records; a block that is not MEDLINE is reported with its line."""
    collector = RecordCollector(FORMAT, max_records)
    try:
        for start, fields, problem in _blocks(split_lines(text)):
            if problem:
                collector.error(start, f"record at line {start} was skipped: {problem}")
                continue
            record = record_from_fields(fields, start)
            if record.year is None and fields.get("DP"):
                collector.warn(start, f"year {fields['DP'][0]!r} not understood")
            collector.add(record)
    except RecordLimitReached:
        pass
    return collector.result()


def _blocks(lines: list[str]):
    """Yield (start line, tag -> values, problem) for each record; PMID or a blank line starts one."""
    fields: dict[str, list[str]] = {}
    start = 0
    last_tag: str | None = None
    problem: str | None = None
    for index, line in enumerate(lines):
        number = index + 1
        if not line.strip():
            if fields or problem:
                yield start, fields, problem
            fields, last_tag, problem = {}, None, None
            continue
        match = _FIELD.match(line) if not line[0].isspace() else None
        if match:
            tag, value = match.group(1), match.group(2).strip()
            if tag == "PMID" and "PMID" in fields:
                # Records not separated by a blank line.
                yield start, fields, problem
                fields, problem = {}, None
            if not fields and not problem:
                start = number
            fields.setdefault(tag, []).append(value)
            last_tag = tag
        elif last_tag is not None and line[0].isspace():
            values = fields[last_tag]
            # Continuation lines wrap one value (titles, abstracts, affiliations).
            values[-1] = f"{values[-1]} {line.strip()}"
        else:
            if not fields and not problem:
                start = number
            problem = problem or f"line {number} is not a MEDLINE field: {line.strip()[:60]!r}"
    if fields or problem:
        yield start, fields, problem


def _first(fields: dict[str, list[str]], *tags: str) -> str:
    for tag in tags:
        for value in fields.get(tag, ()):
            value = clean_text(value)
            if value:
                return value
    return ""


def _identifier(fields: dict[str, list[str]], kind: str) -> str:
    """A LID/AID value marked "[doi]" or "[pii]"."""
    for tag in ("LID", "AID"):
        for value in fields.get(tag, ()):
            match = _ID_SUFFIX.search(value)
            if match and match.group(1).lower() == kind:
                return value[: match.start()].strip()
    return ""


def record_from_fields(fields: dict[str, list[str]], source_line: int) -> ParsedRecord:
    """Map MEDLINE tags to a ParsedRecord (full author names preferred to initials)."""
    authors = [normalise_author(name) for name in fields.get("FAU", []) if name.strip()]
    if not authors:
        authors = [normalise_author(name) for name in fields.get("AU", []) if name.strip()]
    keywords: list[str] = []
    for value in fields.get("OT", []) + fields.get("MH", []):
        keyword = clean_text(value)
        if keyword and keyword not in keywords:
            keywords.append(keyword)
    return ParsedRecord(
        title=_first(fields, "TI", "BTI", "TT", "CTI"),
        abstract=" ".join(clean_text(value) for value in fields.get("AB", []) if value.strip()),
        authors=[author for author in authors if author],
        year=parse_year(_first(fields, "DP", "DEP", "DA", "EDAT")),
        journal=_first(fields, "JT", "TA"),
        volume=_first(fields, "VI"),
        issue=_first(fields, "IP"),
        pages=_first(fields, "PG"),
        doi=normalise_doi(_identifier(fields, "doi")),
        pmid=normalise_pmid(_first(fields, "PMID")),
        keywords=keywords,
        url="",
        source_line=source_line,
        raw_type=_first(fields, "PT"),
    )
