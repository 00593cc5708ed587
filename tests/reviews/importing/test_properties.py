"""Property-based tests: written records read back identically; no input makes a parser raise."""

import csv
import io
import textwrap

import rispy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.importing import (
    PARSERS,
    ParseResult,
    parse_csv,
    parse_file,
    parse_medline,
    parse_ris,
    parse_text,
)
from reviews.importing.records import clean_text

# Printable text without control characters; whitespace is folded by the readers, so compare cleaned.
_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=120)
_NAME = st.text(st.characters(whitelist_categories=("Lu", "Ll")), min_size=1, max_size=12)
_AUTHOR = st.builds(lambda last, first: f"{last}, {first}", _NAME, _NAME)
_KEYWORD = _TEXT.map(clean_text).filter(lambda k: k and ";" not in k)

_RECORD = st.fixed_dictionaries(
    {
        "title": _TEXT.map(clean_text).filter(bool),
        "abstract": _TEXT.map(clean_text),
        "authors": st.lists(_AUTHOR, max_size=4),
        "year": st.integers(1800, 2099),
        "doi": st.from_regex(r"10\.[0-9]{4,6}/[a-z0-9.\-]{0,11}[a-z0-9]", fullmatch=True),
        "keywords": st.lists(_KEYWORD, max_size=4, unique=True),
    }
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_RECORD, min_size=1, max_size=5))
def test_ris_written_by_rispy_reads_back(records):
    entries = [
        {
            "type_of_reference": "JOUR",
            "title": r["title"],
            "authors": r["authors"],
            "year": str(r["year"]),
            "doi": r["doi"],
            "keywords": r["keywords"],
            **({"abstract": r["abstract"]} if r["abstract"] else {}),
        }
        for r in records
    ]
    result = parse_ris(rispy.dumps(entries))
    assert result.errors == []
    assert len(result.records) == len(records)
    for parsed, original in zip(result.records, records, strict=True):
        assert parsed.title == original["title"]
        assert parsed.abstract == original["abstract"]
        assert parsed.authors == original["authors"]
        assert parsed.year == original["year"]
        assert parsed.doi == original["doi"]
        assert parsed.keywords == original["keywords"]


def _medline(record, pmid):
    def field(tag, value):
        lines = textwrap.wrap(value, 70) or [""]
        return f"{tag:<4}- {lines[0]}\n" + "".join(f"      {line}\n" for line in lines[1:])

    text = f"PMID- {pmid}\n" + field("TI", record["title"]) + f"DP  - {record['year']} Mar\n"
    text += "".join(field("FAU", author) for author in record["authors"])
    if record["abstract"]:
        text += field("AB", record["abstract"])
    return text + f"AID - {record['doi']} [doi]\n"


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_RECORD, min_size=1, max_size=5))
def test_medline_with_wrapped_lines_reads_back(records):
    text = "\n".join(_medline(record, 1000 + n) for n, record in enumerate(records))
    result = parse_medline(text)
    assert result.errors == []
    for n, (parsed, original) in enumerate(zip(result.records, records, strict=True)):
        assert parsed.title == original["title"]
        assert parsed.abstract == original["abstract"]
        assert parsed.authors == original["authors"]
        assert (parsed.year, parsed.doi, parsed.pmid) == (original["year"], original["doi"], str(1000 + n))


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_RECORD, min_size=1, max_size=5), st.sampled_from([",", ";", "\t"]))
def test_csv_reads_back_with_line_numbers(records, delimiter):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["Title", "Abstract", "Authors", "Year", "DOI"])
    lines = [2]
    for record in records:
        abstract = record["abstract"].replace(". ", ".\n")  # quoted newlines move later rows down
        writer.writerow(
            [record["title"], abstract, "; ".join(record["authors"]), record["year"], record["doi"]]
        )
        lines.append(lines[-1] + abstract.count("\n") + 1)
    result = parse_csv(buffer.getvalue())
    assert result.errors == []
    assert [r.source_line for r in result.records] == lines[:-1]
    for parsed, original in zip(result.records, records, strict=True):
        assert (parsed.title, parsed.abstract, parsed.authors) == (
            original["title"],
            original["abstract"],
            original["authors"],
        )


_RIS_LINES = st.lists(
    st.one_of(
        st.sampled_from(
            ["TY  - JOUR", "ER  - ", "TI  - title", "AU  - Doe, J", "1.", "", "PY  - 20", "KW  -"]
        ),
        _TEXT,
    ),
    max_size=30,
)


@settings(max_examples=200)
@given(_RIS_LINES)
def test_ris_never_raises_on_ris_like_text(lines):
    result = parse_ris("\n".join(lines))
    assert isinstance(result, ParseResult)
    for record in result.records:
        assert record.source_line >= 1 and record.has_content()


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_no_parser_raises_on_arbitrary_text(text):
    for parser in PARSERS.values():
        assert isinstance(parser(text), ParseResult)
    assert isinstance(parse_text(text), ParseResult)


@settings(max_examples=100)
@given(st.binary(max_size=400), st.sampled_from([None, "x.ris", "x.nbib", "x.bib", "x.xml", "x.csv"]))
def test_parse_file_never_raises_on_arbitrary_bytes(data, filename):
    assert isinstance(parse_file(data, filename=filename), ParseResult)
