"""CSV / tab-separated reader for Embase, Scopus, Rayyan, Zotero, Web of Science and hand-made sheets."""

from __future__ import annotations

import csv
import io
import re
import sys

from .records import (
    ParsedRecord,
    ParseResult,
    RecordCollector,
    RecordLimitReached,
    clean_text,
    find_doi,
    join_pages,
    normalise_doi,
    normalise_pmid,
    parse_year,
    split_authors,
    split_keywords,
)

FORMAT = "csv"

# Abstracts and reference lists exceed the csv module's default 128 KiB field limit.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

# Column names (lower-case, letters and digits only) that each field is found under, best first.
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": ("title", "articletitle", "documenttitle", "primarytitle", "titles", "ti", "t1"),
    "abstract": ("abstract", "abstractnote", "abstracttext", "ab", "n2"),
    "authors": ("authors", "author", "authornames", "authorlist", "au", "a1", "authorfullnames", "af"),
    "year": (
        "year",
        "publicationyear",
        "pubyear",
        "yearpublished",
        "py",
        "y1",
        "publicationdate",
        "date",
        "dp",
    ),
    "journal": (
        "journal",
        "sourcetitle",
        "journaltitle",
        "publicationtitle",
        "journalname",
        "so",
        "jt",
        "jf",
        "t2",
        "secondarytitle",
        "source",
    ),
    "volume": ("volume", "vl", "vi"),
    "issue": ("issue", "number", "is", "ip"),
    "pages": ("pages", "pagerange", "pg"),
    "page_start": ("pagestart", "firstpage", "startpage", "bp", "sp"),
    "page_end": ("pageend", "lastpage", "endpage", "ep"),
    "doi": ("doi", "di", "do"),
    "pmid": ("pmid", "pubmedid", "medlinepmid", "pubmed", "pm"),
    "url": ("url", "link", "ur", "doilink"),
    "raw_type": ("documenttype", "itemtype", "publicationtype", "type", "referencetype", "pt", "ty"),
    "extra": ("extra", "notes"),
}
# Every one of these columns that a file has contributes keywords.
KEYWORD_COLUMNS = (
    "keywords",
    "keyword",
    "authorkeywords",
    "indexkeywords",
    "kw",
    "de",
    "meshterms",
    "manualtags",
    "emtreemedicalindexterms",
    "emtreedrugindexterms",
)
_IDENTIFYING = ("title", "abstract", "authors", "doi", "pmid")
# Embase's "Source": "Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014".
_EMBASE_SOURCE = re.compile(
    r"^(?P<journal>.+?)\s*\((?P<year>\d{4})\)\s*(?P<volume>[^\s:(]+)?(?::(?P<issue>[^\s(]+))?\s*(?:\((?P<pages>[^)]*)\))?"
)
# Scopus "Author full names" carry author ids: "Labanski, Alexandra (57191234567)".
_AUTHOR_ID = re.compile(r"\s*\(\d+\)")


def column_key(name: str) -> str:
    """Header name reduced to lower-case letters and digits ("Publication Year" -> "publicationyear")."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def map_columns(header: list[str]) -> dict[str, int]:
    """Which column index holds each field, from the header's names."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(column_key(name.lstrip("\ufeff")), index)
    mapping = {}
    for field_name, synonyms in COLUMN_SYNONYMS.items():
        for synonym in synonyms:
            if synonym in positions:
                mapping[field_name] = positions[synonym]
                break
    return mapping


def keyword_columns(header: list[str]) -> list[int]:
    """Indexes of every column that holds keywords."""
    return [
        index for index, name in enumerate(header) if column_key(name.lstrip("\ufeff")) in KEYWORD_COLUMNS
    ]


def split_outside_parentheses(text: str, separator: str) -> list[str]:
    """ "a, b (c, d)" -> ["a", "b (c, d)"]: Emtree terms carry comma-separated subheadings."""
    parts, depth, current = [], 0, []
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == separator and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def sniff_delimiter(first_line: str) -> str:
    """Comma, semicolon (European Excel) or tab (Web of Science), by what the header holds most of."""
    counts = {delimiter: first_line.count(delimiter) for delimiter in ("\t", ",", ";")}
    return max(counts, key=lambda delimiter: (counts[delimiter], delimiter == ","))


def parse_csv(text: str, max_records: int | None = None) -> ParseResult:
    """Read a spreadsheet export with a header row; each row is a record, numbered by its first line."""
    collector = RecordCollector(FORMAT, max_records)
    text = text.lstrip("\ufeff")
    offset = 0
    if text.lower().startswith("sep="):
        # Excel's "sep=," hint line.
        offset = 1
        text = text.split("\n", 1)[1] if "\n" in text else ""
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first_line))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        collector.error(1 + offset, "no header row")
        return collector.result()
    mapping = map_columns(header)
    keyword_indexes = keyword_columns(header)
    if not any(field_name in mapping for field_name in _IDENTIFYING):
        collector.error(
            1 + offset, f"no title, abstract, author, DOI or PMID column in the header: {header[:8]}"
        )
        return collector.result()
    if "title" not in mapping:
        collector.warn(1 + offset, "no title column in the header")
    previous_end = reader.line_num
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                collector.error(
                    previous_end + 1 + offset, f"row at line {previous_end + 1 + offset}: {error}"
                )
                previous_end = reader.line_num
                continue
            start, previous_end = previous_end + 1 + offset, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                collector.warn(
                    start, f"row at line {start} has {len(row)} cells; the header has {len(header)}"
                )
            collector.add(record_from_row(row, mapping, start, keyword_indexes))
    except RecordLimitReached:
        pass
    return collector.result()


def record_from_row(
    row: list[str], mapping: dict[str, int], line: int, keyword_indexes: list[int] = ()
) -> ParsedRecord:
    """Map one row to a ParsedRecord."""

    def cell(field_name: str) -> str:
        index = mapping.get(field_name)
        return row[index].strip() if index is not None and index < len(row) else ""

    journal, volume, issue, pages = cell("journal"), cell("volume"), cell("issue"), cell("pages")
    year = parse_year(cell("year"))
    if "(" in journal:
        source = _EMBASE_SOURCE.match(journal)
        if source:
            journal = source.group("journal")
            year = year or int(source.group("year"))
            volume = volume or (source.group("volume") or "")
            issue = issue or (source.group("issue") or "")
            pages = pages or (source.group("pages") or "")
    keyword_values = []
    for index in keyword_indexes:
        text = row[index] if index < len(row) else ""
        # Embase and Scopus separate keywords by commas or semicolons within one cell.
        keyword_values += split_outside_parentheses(text, ";" if ";" in text else ",")
    doi = normalise_doi(cell("doi")) or find_doi(cell("url"))
    pmid = normalise_pmid(cell("pmid"))
    if not pmid:
        match = re.search(r"\bPMID\s*:?\s*(\d{1,9})\b", cell("extra"))
        pmid = match.group(1) if match else ""
    return ParsedRecord(
        title=clean_text(cell("title")),
        abstract=clean_text(cell("abstract")),
        authors=split_authors(_AUTHOR_ID.sub("", cell("authors"))),
        year=year,
        journal=clean_text(journal),
        volume=clean_text(volume),
        issue=clean_text(issue),
        pages=clean_text(pages) or join_pages(cell("page_start"), cell("page_end")),
        doi=doi,
        pmid=pmid,
        keywords=split_keywords(keyword_values),
        url=cell("url"),
        source_line=line,
        raw_type=cell("raw_type"),
    )
