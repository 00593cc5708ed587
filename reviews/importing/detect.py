"""Telling a reference file's format from its content, decoding its bytes, and parsing it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from .bibtex import parse_bibtex
from .csv_format import map_columns, parse_csv, sniff_delimiter
from .encoding import UndecodableFileError, decode_bytes
from .endnote_xml import parse_endnote_xml
from .medline import parse_medline
from .records import ParseError, ParseResult
from .ris import parse_ris

PARSERS: dict[str, Callable[..., ParseResult]] = {
    "ris": parse_ris,
    "medline": parse_medline,
    "bibtex": parse_bibtex,
    "endnote_xml": parse_endnote_xml,
    "csv": parse_csv,
}
EXTENSIONS = {
    ".ris": "ris",
    ".enw": "ris",
    ".nbib": "medline",
    ".medline": "medline",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".xml": "endnote_xml",
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
}

_HEAD_CHARS = 20_000
_RIS_TY = re.compile(r"^\s*TY\s{1,4}-", re.MULTILINE)
_RIS_FIELD = re.compile(r"^[A-Z][A-Z0-9]  - ", re.MULTILINE)
_MEDLINE_PMID = re.compile(r"^PMID\s*- ?\d", re.MULTILINE)
_MEDLINE_FIELD = re.compile(r"^(?:TI|AU|FAU|DP|AB|JT)\s*- ", re.MULTILINE)
_BIBTEX_ENTRY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
_XML_RECORDS = re.compile(r"<(xml|records|record)\b", re.IGNORECASE)


class UnknownFormatError(ValueError):
    """Neither the content nor the file name says which format a file is in."""


def detect_format(text: str, filename: str | None = None) -> str:
    """The format name ("ris", "medline", "bibtex", "endnote_xml", "csv"), judged by content first."""
    head = text[:_HEAD_CHARS].lstrip("\ufeff \t\r\n")
    if head.startswith("<") and _XML_RECORDS.search(head):
        return "endnote_xml"
    if _MEDLINE_PMID.search(head):
        return "medline"
    if _RIS_TY.search(head) or len(_RIS_FIELD.findall(head)) >= 3:
        return "ris"
    if len(_MEDLINE_FIELD.findall(head)) >= 2:
        return "medline"
    if _BIBTEX_ENTRY.search(head):
        return "bibtex"
    if _looks_like_csv(head):
        return "csv"
    extension = Path(filename).suffix.lower() if filename else ""
    if extension in EXTENSIONS:
        return EXTENSIONS[extension]
    raise UnknownFormatError(
        "could not tell the file format: expected RIS, PubMed MEDLINE (nbib), BibTeX, EndNote XML or CSV"
    )


def _looks_like_csv(head: str) -> bool:
    lines = head.splitlines()
    if lines and lines[0].lower().startswith("sep="):
        lines = lines[1:]
    if not lines:
        return False
    header = lines[0]
    delimiter = sniff_delimiter(header)
    if delimiter not in header:
        return False
    return "title" in map_columns(header.replace('"', "").split(delimiter))


def parse_text(
    text: str, filename: str | None = None, max_records: int | None = None, format: str | None = None
) -> ParseResult:
    """Parse decoded text, detecting the format unless it is given."""
    if not text.strip():
        return ParseResult([], [ParseError(None, "the file is empty")], format or "unknown")
    try:
        format_name = format or detect_format(text, filename)
    except UnknownFormatError as error:
        return ParseResult([], [ParseError(None, str(error))], "unknown")
    if format_name not in PARSERS:
        return ParseResult([], [ParseError(None, f"unknown format {format_name!r}")], format_name)
    return PARSERS[format_name](text, max_records=max_records)


def parse_file(
    path_or_bytes: str | os.PathLike | bytes,
    filename: str | None = None,
    max_records: int | None = None,
    format: str | None = None,
) -> ParseResult:
    """Read a reference file (a path, its bytes or an open binary file) into records and errors."""
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        data = bytes(path_or_bytes)
    elif hasattr(path_or_bytes, "read"):
        data = path_or_bytes.read()
        filename = filename or getattr(path_or_bytes, "name", None)
    else:
        path = Path(path_or_bytes)
        data = path.read_bytes()
        filename = filename or path.name
    try:
        text, warnings = decode_bytes(data)
    except UndecodableFileError as error:
        return ParseResult([], [ParseError(error.line, error.message)], format or "unknown")
    # The bytes are not needed once decoded; freeing them lowers the peak memory of a large file.
    del data
    result = parse_text(text, filename=filename, max_records=max_records, format=format)
    result.warnings[:0] = warnings
    return result
