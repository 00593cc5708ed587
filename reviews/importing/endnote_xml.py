"""EndNote XML reader (<xml><records><record>…), streamed record by record with line numbers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.parsers import expat

from .records import (
    ParsedRecord,
    ParseResult,
    RecordCollector,
    RecordLimitReached,
    clean_text,
    find_doi,
    normalise_author,
    normalise_doi,
    normalise_pmid,
    parse_year,
)

FORMAT = "endnote_xml"

# defusedxml is not available: refuse what enables entity-expansion and external-entity attacks.
_UNSAFE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?)encoding=[\"'][^\"']*[\"']")


class _Refused(Exception):
    """The document declares entities, which are never needed in an export."""


def parse_endnote_xml(text: str, max_records: int | None = None) -> ParseResult:
    """Read EndNote XML into records; a truncated or broken document keeps the records before the break."""
    collector = RecordCollector(FORMAT, max_records)
    unsafe = _UNSAFE.search(text)
    if unsafe:
        line = text.count("\n", 0, unsafe.start()) + 1
        collector.error(line, "XML with a DOCTYPE or ENTITY declaration is refused")
        return collector.result()
    reader = _RecordReader(collector)
    try:
        reader.feed(text)
    except RecordLimitReached:
        pass
    except _Refused:
        collector.error(reader.line, "XML with a DOCTYPE or ENTITY declaration is refused")
    except expat.ExpatError as error:
        line = getattr(error, "lineno", None) or reader.line
        where = f"record {reader.record_count + 1}" if reader.in_record else "the document"
        collector.error(
            line, f"XML error in {where} at line {line}: {expat.ErrorString(error.code)}; later records lost"
        )
    if reader.record_count == 0 and not collector.errors and text.strip():
        collector.error(1, "no <record> elements found")
    return collector.result()


class _RecordReader:
    """Feeds expat into an ElementTree builder, handing over each <record> when it closes."""

    def __init__(self, collector: RecordCollector):
        self.collector = collector
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._data
        self.parser.EntityDeclHandler = self._refuse
        self.parser.StartDoctypeDeclHandler = self._refuse
        self.builder: ET.TreeBuilder | None = None
        self.depth = 0
        self.start_line = 0
        self.record_count = 0

    @property
    def line(self) -> int:
        return self.parser.CurrentLineNumber

    @property
    def in_record(self) -> bool:
        return self.builder is not None

    def feed(self, text: str) -> None:
        # The text is already decoded; a declared encoding other than UTF-8 would mislead expat.
        text = _DECLARED_ENCODING.sub(r'\1encoding="UTF-8"', text.lstrip("\ufeff"), count=1)
        self.parser.Parse(text, True)

    def _refuse(self, *args) -> None:
        raise _Refused

    def _start(self, tag: str, attributes: dict[str, str]) -> None:
        if self.builder is None:
            if tag != "record":
                return
            self.builder = ET.TreeBuilder()
            self.depth = 0
            self.start_line = self.parser.CurrentLineNumber
        self.depth += 1
        self.builder.start(tag, attributes)

    def _end(self, tag: str) -> None:
        if self.builder is None:
            return
        self.builder.end(tag)
        self.depth -= 1
        if self.depth == 0:
            element = self.builder.close()
            self.builder = None
            self.record_count += 1
            self.collector.add(record_from_element(element, self.start_line))

    def _data(self, data: str) -> None:
        if self.builder is not None:
            self.builder.data(data)


def _text(element: ET.Element | None) -> str:
    """All text inside an element (EndNote splits values into <style> runs)."""
    return clean_text("".join(element.itertext())) if element is not None else ""


def _first(record: ET.Element, *paths: str) -> str:
    for path in paths:
        for element in record.iterfind(path):
            value = _text(element)
            if value:
                return value
    return ""


def record_from_element(record: ET.Element, line: int) -> ParsedRecord:
    """Map an EndNote <record> element to a ParsedRecord."""
    authors = [_text(author) for author in record.iterfind("contributors/authors/author")]
    if not any(authors):
        authors = [_text(author) for author in record.iterfind("contributors/secondary-authors/author")]
    ref_type = record.find("ref-type")
    accession = _first(record, "accession-num")
    database = (_first(record, "remote-database-name") + _first(record, "remote-database-provider")).lower()
    pmid = ""
    if accession.isdigit() and len(accession) <= 8 and ("embase" not in database):
        pmid = normalise_pmid(accession)
    electronic_number = _first(record, "electronic-resource-num")
    return ParsedRecord(
        title=_first(record, "titles/title", "titles/short-title", "titles/alt-title"),
        abstract=_first(record, "abstract"),
        authors=[normalise_author(author) for author in authors if author],
        year=parse_year(_first(record, "dates/year", "dates/pub-dates/date", "year")),
        journal=_first(
            record, "periodical/full-title", "titles/secondary-title", "journal", "periodical/abbr-1"
        ),
        volume=_first(record, "volume"),
        issue=_first(record, "number", "issue"),
        pages=_first(record, "pages"),
        doi=normalise_doi(electronic_number) or find_doi(_first(record, "urls/related-urls/url")),
        pmid=pmid,
        keywords=_keywords(record),
        url=_first(record, "urls/related-urls/url", "urls/web-urls/url", "urls/pdf-urls/url"),
        source_line=line,
        raw_type=(ref_type.get("name") or _text(ref_type)) if ref_type is not None else "",
    )


def _keywords(record: ET.Element) -> list[str]:
    """Keywords, also when one <keyword> holds several on separate lines (as EndNote writes them)."""
    keywords: list[str] = []
    for element in record.iterfind("keywords/keyword"):
        for piece in re.split(r"[\r\n;]+", "".join(element.itertext())):
            keyword = clean_text(piece)
            if keyword and keyword not in keywords:
                keywords.append(keyword)
    return keywords
