"""CSV reader, format detection, decoding and parse_file."""

import pytest

from reviews.importing import UnknownFormatError, decode_bytes, detect_format, parse_csv, parse_file


def test_rayyan_columns_and_quoted_newlines(fixture_path):
    result = parse_file(fixture_path("rayyan.csv"))
    assert result.format == "csv" and result.errors == []
    first, second = result.records
    assert first.authors == ["Hicks, G.", "Abdulaal, A.", "Slesser, A. A. P."]
    assert first.doi == "10.1007/s10151-019-02080-0"  # from the url column
    assert (first.year, first.volume, first.issue, first.pages) == (2019, "23", "10", "947-955")
    assert second.source_line == 4  # the first row's abstract spans two lines


def test_scopus_csv_columns(fixture_path):
    (record,) = parse_file(fixture_path("scopus.csv")).records
    assert record.authors == ["Mayer, E.A.", "Labus, J.", "Aziz, Q."]
    assert (record.journal, record.pages, record.pmid, record.raw_type) == (
        "Gut",
        "1701-1715",
        "31175206",
        "Review",
    )
    assert record.keywords == [
        "brain/gut interaction",
        "functional bowel disorder",
        "adult",
        "brain",
        "human",
    ]


def test_semicolon_separated_csv_with_crlf(fixture_path):
    (record,) = parse_file(fixture_path("excel_semicolon.csv")).records
    assert record.title == "Semicolon separated; from a European Excel"
    assert record.authors == ["Dupont, A.", "Martin, B."]
    assert record.doi == "10.1000/eu.1"


def test_embase_style_source_column_and_synonyms():
    text = (
        "Title,Author Names,Source,Abstract,Medline PMID,keywords\n"
        '"A title","Liu R., Adler D.G.","Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014",'
        '"An abstract",24949396,"article, cyst (diagnosis, surgery)"\n'
    )
    (record,) = parse_csv(text).records
    assert record.authors == ["Liu, R.", "Adler, D.G."]
    assert (record.journal, record.year, record.volume, record.issue, record.pages) == (
        "Endoscopic Ultrasound",
        2014,
        "3",
        "3",
        "152-160",
    )
    assert record.pmid == "24949396"
    assert record.keywords == ["article", "cyst (diagnosis, surgery)"]


def test_screening_style_headers_and_empty_rows():
    text = (
        'record_id,pubmedID,title,authors,abstract\n1,10051933,A study,"Reimer, E J; Dunn, G S",Text\n,,,,\n'
    )
    result = parse_csv(text)
    (record,) = result.records
    assert record.pmid == "10051933"
    assert record.authors == ["Reimer, E J", "Dunn, G S"]
    assert result.errors == []


def test_csv_without_known_columns_is_an_error():
    result = parse_csv("a,b,c\n1,2,3\n")
    assert result.records == [] and result.errors[0].line == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.\nTY  - JOUR\nTI  - x\nER  - \n", "ris"),
        ("\ufeff\r\nTY  - JOUR\r\n", "ris"),
        ("PMID- 123\nTI  - x\n", "medline"),
        ("% comment\n@Article{key,\n title={x}}\n", "bibtex"),
        ('<?xml version="1.0"?><xml><records><record/></records></xml>', "endnote_xml"),
        ('"Title","Abstract"\n"x","y"\n', "csv"),
        ("PT\tAU\tTI\tSO\nJ\tSmith\tx\ty\n", "csv"),
    ],
)
def test_detect_format_from_content(text, expected):
    assert detect_format(text) == expected


def test_detect_format_falls_back_to_the_extension_then_fails():
    assert detect_format("nothing recognisable", "refs.nbib") == "medline"
    with pytest.raises(UnknownFormatError):
        detect_format("nothing recognisable", "refs.doc")
    result = parse_file(b"nothing recognisable", filename="refs.doc")
    assert result.records == [] and result.format == "unknown" and result.errors


def test_decoding_falls_back_to_cp1252_with_a_warning():
    data = "TY  - JOUR\nTI  - Caf\u00e9 \u2013 cp1252\nER  - \n".encode("cp1252")
    result = parse_file(data)
    assert result.records[0].title == "Caf\u00e9 \u2013 cp1252"
    assert "cp1252" in result.warnings[0].message
    assert decode_bytes("TY".encode("utf-16"))[0] == "TY"


def test_parse_file_accepts_paths_bytes_and_open_files(fixture_path):
    path = fixture_path("zotero.ris")
    with path.open("rb") as handle:
        from_handle = parse_file(handle)
    assert (
        len(parse_file(path).records)
        == len(parse_file(path.read_bytes()).records)
        == len(from_handle.records)
        == 2
    )


def test_empty_file():
    result = parse_file(b"")
    assert result.records == [] and result.errors[0].message == "the file is empty"


@pytest.mark.parametrize("name", ["pubmed.nbib", "references.bib", "endnote.xml", "rayyan.csv", "zotero.ris"])
def test_max_records_applies_to_every_format(fixture_path, name):
    result = parse_file(fixture_path(name), max_records=1)
    assert len(result.records) == 1
    assert result.limit_exceeded
    assert "the limit is 1" in result.errors[-1].message
