"""Reading a file's bytes as text: detected encodings, mixed files, refusals with a line, archives.

Issue 12, finding 11: UTF-16 without a BOM gave records with empty titles, a CSV mixing UTF-8 and
latin-1 gave "Ã‰tude", an uncompressed zip was read as RIS while a compressed one was refused.
"""

import io
import zipfile

import pytest

from reviews.importing import parse_file

RIS = (
    "TY  - JOUR\nTI  - Étude de cohorte sur l'interleukine-2\nAU  - Müller, J.\nPY  - 2019\nER  - \n\n"
    "TY  - JOUR\nTI  - Über die Erhaltungstherapie\nPY  - 2020\nER  - \n\n"
    "TY  - JOUR\nTI  - Ensayo clínico de mantenimiento\nPY  - 2021\nER  - \n\n"
    "TY  - JOUR\nTI  - Maintenance after remission – a trial\nPY  - 2022\nER  - \n"
)
TITLES = [
    "Étude de cohorte sur l'interleukine-2",
    "Über die Erhaltungstherapie",
    "Ensayo clínico de mantenimiento",
    "Maintenance after remission – a trial",
]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_detected(encoding):
    result = parse_file(RIS.encode(encoding), filename="wos.ris")
    assert result.errors == []
    assert [record.title for record in result.records] == TITLES
    assert result.records[0].authors == ["Müller, J."]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_in_a_non_latin_script_is_detected(encoding):
    title = "Исследование влияния терапии на исход заболевания у пациентов с лейкозом и лимфомой"
    text = "TY  - JOUR\n" + f"TI  - {title}\n" + "AB  - Лечение и исход.\n" * 3 + "ER  - \n"
    assert [r.title for r in parse_file(text.encode(encoding)).records] == [title]


def test_utf16_with_a_bom_still_reads():
    assert [r.title for r in parse_file(RIS.encode("utf-16")).records] == TITLES


def test_a_csv_mixing_utf8_and_latin1_lines_reads_each_line_in_its_own_encoding():
    data = (
        b"Title,Year\n"
        + "Étude de cohorte,2019\n".encode()
        + "Étude randomisée,2020\n".encode("latin-1")
        + "Übersicht,2021\n".encode()
    )
    result = parse_file(data, filename="export.csv")
    assert [r.title for r in result.records] == ["Étude de cohorte", "Étude randomisée", "Übersicht"]
    assert not any("Ã" in r.title for r in result.records)
    assert any("line 3" in str(w) for w in result.warnings), result.warnings


def test_a_whole_file_in_cp1251_is_detected():
    text = "TY  - JOUR\nTI  - Исследование влияния терапии на исход заболевания\nER  - \n"
    result = parse_file(text.encode("cp1251"))
    assert result.records[0].title == "Исследование влияния терапии на исход заболевания"


def test_a_file_that_is_not_text_is_refused_with_the_line_where_reading_fails():
    data = b"TY  - JOUR\nTI  - Good start\nER  - \n" + bytes(range(128, 256)) * 20 + b"\x00\x01\x02" * 50
    result = parse_file(data, filename="refs.ris")
    assert result.records == []
    assert len(result.errors) == 1
    assert result.errors[0].line == 4
    assert "could not be read as text" in result.errors[0].message


def _zip(compression) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr("refs.ris", RIS.encode())
    return buffer.getvalue()


@pytest.mark.parametrize(
    "compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"]
)
def test_every_zip_is_refused_the_same_way(compression):
    result = parse_file(_zip(compression), filename="refs.zip")
    assert result.records == []
    assert [str(error) for error in result.errors] == [
        "the file is a zip archive: unzip it and import the reference files inside it one by one"
    ]


def test_a_gzip_file_is_refused_with_the_same_kind_of_message():
    import gzip

    result = parse_file(gzip.compress(RIS.encode()), filename="refs.ris.gz")
    assert result.records == []
    assert "gzip" in str(result.errors[0])
