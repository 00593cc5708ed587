"""Proofs that stay (issue 12): any bytes or text give records or the importer's own error with a location.

Every parser (RIS, MEDLINE/nbib, BibTeX, EndNote XML, CSV), format detection, decoding and
archives are fed arbitrary input and input shaped like their format. None may raise: the result
is a ParseResult whose records hold something, start on a line of the file and keep within the
field limits, and whose errors are ParseErrors with a line (or None for the whole file) and a
message. The number of examples tried is printed at the end of the module (pytest -s).
"""

import codecs
import io
import zipfile
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.importing import (
    PARSERS,
    ParseError,
    ParseResult,
    ParseWarning,
    decode_bytes,
    detect_format,
    parse_file,
    parse_text,
)
from reviews.importing.encoding import UndecodableFileError
from reviews.importing.records import LIST_LIMITS, TEXT_LIMITS

EXAMPLES = Counter()
PROOF = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@pytest.fixture(scope="module", autouse=True)
def print_examples_tried():
    yield
    total = sum(EXAMPLES.values())
    print(f"\nparser properties: {total} examples tried")
    for name, count in sorted(EXAMPLES.items()):
        print(f"  {name}: {count}")


def check(result, lines_in_input: int | None = None) -> None:
    """The importer's contract for one parse."""
    assert isinstance(result, ParseResult)
    for record in result.records:
        assert record.has_content()
        assert record.source_line >= 1
        if lines_in_input is not None:
            assert record.source_line <= lines_in_input
        for name, limit in TEXT_LIMITS.items():
            assert len(getattr(record, name)) <= limit
        for name, (most, longest) in LIST_LIMITS.items():
            values = getattr(record, name)
            assert len(values) <= most and all(len(value) <= longest for value in values)
    for error in result.errors:
        assert isinstance(error, ParseError) and error.message
        assert error.line is None or error.line >= 1
    for warning in result.warnings:
        assert isinstance(warning, ParseWarning)
        assert warning.line is None or warning.line >= 1


def _line_count(text: str) -> int:
    return text.count("\n") + text.count("\r") + 1


def _lines(tags: list[str]):
    """Text made of lines that look like the format's own, mixed with arbitrary ones."""
    line = st.one_of(
        st.builds(lambda tag, value: f"{tag}{value}", st.sampled_from(tags), st.text(max_size=40)),
        st.sampled_from(tags),
        st.text(max_size=40),
    )
    return st.lists(line, max_size=40).map("\n".join)


RIS_LIKE = _lines(
    ["TY  - ", "TY  - JOUR", "ER  - ", "TI  - ", "AU  - ", "PY  - ", "KW  - ", "UR  - ", "1. ", "  "]
)
MEDLINE_LIKE = _lines(
    ["PMID- ", "PMID- 123", "TI  - ", "FAU - ", "AU  - ", "DP  - ", "AB  - ", "      ", "AID - "]
)
BIBTEX_LIKE = _lines(
    ["@article{", "@book(", "title = {", "author = ", "year = 20", "}", "{", '"', "@comment{", ","]
)
CSV_LIKE = st.builds(
    lambda header, rows: header + "\n" + rows,
    st.sampled_from(["Title,Year,Authors", "title;abstract;doi", "Title\tAuthors", 'sep=;\n"Title";"Year"']),
    _lines(['"', '""', ",", ";", "\t", "2019,", "\r"]),
)
XML_PARTS = st.sampled_from(
    [
        "<xml>",
        "<records>",
        "<record>",
        "</record>",
        "<title>",
        "</title>",
        "<titles>",
        "</titles>",
        "<author>",
        "</author>",
        "<style>",
        "</style>",
        "<year>2019</year>",
        "<![CDATA[",
        "]]>",
        "&amp;",
        "&bogus;",
        "<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
        "</records></xml>",
    ]
)
XML_LIKE = st.lists(st.one_of(XML_PARTS, st.text(max_size=20)), max_size=40).map(
    lambda parts: '<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(parts)
)
FORMAT_LIKE = {
    "ris": RIS_LIKE,
    "medline": MEDLINE_LIKE,
    "bibtex": BIBTEX_LIKE,
    "endnote_xml": XML_LIKE,
    "csv": CSV_LIKE,
}


@pytest.mark.parametrize("format_name", sorted(PARSERS))
def test_each_parser_on_text_shaped_like_its_format(format_name):
    @PROOF
    @given(FORMAT_LIKE[format_name])
    def run(text):
        EXAMPLES[f"{format_name} (format-shaped text)"] += 1
        check(PARSERS[format_name](text), _line_count(text))
        check(PARSERS[format_name](text, max_records=2), _line_count(text))

    run()


@pytest.mark.parametrize("format_name", sorted(PARSERS))
def test_each_parser_on_arbitrary_text(format_name):
    @PROOF
    @given(st.text(max_size=300))
    def run(text):
        EXAMPLES[f"{format_name} (arbitrary text)"] += 1
        check(PARSERS[format_name](text), _line_count(text))

    run()


@PROOF
@given(
    st.one_of(st.text(max_size=300), *FORMAT_LIKE.values()),
    st.sampled_from([None, "a.ris", "a.bib", "a.doc"]),
)
def test_detection_names_a_parser_or_gives_the_importers_error(text, filename):
    EXAMPLES["detection"] += 1
    try:
        assert detect_format(text, filename) in PARSERS
    except ValueError as error:  # UnknownFormatError, the importer's own
        assert "could not tell the file format" in str(error)
    check(parse_text(text, filename=filename))


ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "cp1252",
    "latin-1",
    "cp1251",
]


@PROOF
@given(st.one_of(*FORMAT_LIKE.values()), st.sampled_from(ENCODINGS))
def test_files_in_any_encoding_read_or_are_refused_with_a_line(text, encoding):
    EXAMPLES["encodings"] += 1
    data = codecs.encode(text, encoding, errors="ignore")
    check(parse_file(data))


@PROOF
@given(st.binary(max_size=600))
def test_arbitrary_bytes_decode_or_are_refused_with_a_line(data):
    EXAMPLES["arbitrary bytes"] += 1
    try:
        text, warnings = decode_bytes(data)
    except UndecodableFileError as error:
        assert error.message and (error.line is None or error.line >= 1)
        assert error.line is None or error.line <= data.count(b"\n") + 1
    else:
        assert isinstance(text, str) and all(isinstance(w, ParseWarning) for w in warnings)
    check(parse_file(data, filename="upload.ris"))


@PROOF
@given(
    st.lists(
        st.tuples(st.from_regex(r"[a-z]{1,8}\.(ris|nbib|txt)", fullmatch=True), st.binary(max_size=200)),
        max_size=3,
        unique_by=lambda member: member[0],
    ),
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
)
def test_every_zip_is_refused_the_same_way(members, compression):
    EXAMPLES["zip archives"] += 1
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members:
            archive.writestr(name, content)
    result = parse_file(buffer.getvalue(), filename="refs.zip")
    check(result)
    assert result.records == []
    assert [error.line for error in result.errors] == [None]
    assert "zip archive" in result.errors[0].message
