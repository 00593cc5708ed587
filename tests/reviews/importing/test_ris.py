"""RIS reader: exporter styles and real-world quirks."""

import pytest

from reviews.importing import parse_file, parse_ris


def _parse(fixture_path, name):
    result = parse_file(fixture_path(name))
    assert result.format == "ris"
    return result


def test_ovid_uses_t1_a1_y1_n2_jf_and_an_as_pmid_only_for_medline(fixture_path):
    result = _parse(fixture_path, "ovid_medline.ris")
    medline, embase = result.records
    assert medline.title == "Cognitive flexibility in inflammatory bowel disease during biological therapy"
    assert medline.authors == ["Rudnik, Agata", "Piotrowicz, Grazyna"]
    assert medline.year == 2019
    assert medline.abstract.endswith("in the course of inflammatory bowel diseases.")
    assert "\n" not in medline.abstract
    assert medline.journal == "Przeglad Gastroenterologiczny"
    assert medline.pages == "121-128"
    assert medline.doi == "10.5114/pg.2018.81081"
    assert medline.pmid == "31384434"
    assert embase.pmid == ""  # an Embase accession number is not a PMID
    assert embase.authors == ["Liu, R.", "Adler, D.G."]
    assert result.errors == [] and result.warnings == []


def test_numbered_embase_records_and_multi_line_keywords(fixture_path):
    result = _parse(fixture_path, "embase_numbered.ris")
    assert [r.source_line for r in result.records] == [2, 19, 28]
    first = result.records[0]
    assert first.keywords == [
        "article",
        "bronchogenic duplication cyst",
        "colonic duplication cyst",
        "colonoscopy",
    ]
    assert first.title.startswith("Duplication cysts")
    assert result.records[2].raw_type == "CONF"
    assert result.errors == []


def test_scopus_pmid_in_c2_and_reference_list_continuations(fixture_path):
    (record,) = _parse(fixture_path, "scopus_style.ris").records
    assert record.pmid == "31421429"
    assert record.journal == "Medical Hypotheses"
    assert record.doi == "10.1016/j.mehy.2019.109324"
    assert record.url.startswith("https://www.scopus.com/")


def test_web_of_science_journal_in_t2_and_wos_accession_is_not_pmid(fixture_path):
    first, second = _parse(fixture_path, "wos.ris").records
    assert first.journal == "JOURNAL OF PSYCHOSOMATIC RESEARCH"
    assert first.pmid == ""
    assert first.year == 2019
    assert second.authors == ["Müller, Jürgen"]
    assert second.pages == "10-12"


def test_endnote_pmid_in_an_pmcid_in_c2_and_book_title_in_bt(fixture_path):
    article, book = _parse(fixture_path, "endnote.ris").records
    assert article.pmid == "31574429"
    assert article.keywords == ["Anxiety", "Depression", "Epilepsy"]
    assert article.title.startswith("Self-compassion and adjustment")
    assert book.title == "Cochrane Handbook for Systematic Reviews of Interventions"
    assert book.authors == ["Higgins, Julian P. T."]


def test_zotero_dates_and_proquest_t1_jf_y1(fixture_path):
    article, book = _parse(fixture_path, "zotero.ris").records
    assert article.year == 2019 and book.year == 2001
    assert article.authors[2] == "Köppel, Maximilian"
    (proquest,) = _parse(fixture_path, "proquest.ris").records
    assert proquest.journal == "JMIR Research Protocols"
    assert proquest.pmid == ""  # ProQuest document id
    assert proquest.doi == "10.2196/14432"  # found in the L2 doi.org link


def test_bom_and_crlf(fixture_path):
    assert fixture_path("bom_crlf.ris").read_bytes().startswith(b"\xef\xbb\xbfTY  - JOUR\r\n")
    result = _parse(fixture_path, "bom_crlf.ris")
    first, second = result.records
    assert first.title == "Café culture and colitis: a BOM and CRLF file"
    assert first.abstract == "First line of the abstract continued on a second line."
    assert second.source_line == 9


def test_missing_er_keeps_records_with_warnings(fixture_path):
    result = _parse(fixture_path, "missing_er.ris")
    assert [r.year for r in result.records] == [2019, 2020, 2021]
    assert [w.line for w in result.warnings] == [7, 11]
    assert result.errors == []


def test_bad_year_is_a_warning_not_an_error(fixture_path):
    result = _parse(fixture_path, "bad_year.ris")
    assert [r.year for r in result.records] == [None, 2018]
    assert result.errors == []
    assert result.warnings[0].line == 1 and "in press" in result.warnings[0].message


def test_garbage_in_the_middle_is_reported_with_its_line(fixture_path):
    result = _parse(fixture_path, "garbage_middle.ris")
    assert [r.title for r in result.records] == [
        "Good record before the garbage",
        "Good record after the garbage",
        "Last good record",
    ]
    assert [e.line for e in result.errors] == [7, 16]
    assert "line 17" in result.errors[1].message


def test_loose_spacing_and_text_before_the_first_record():
    text = "Exported from a library\n\nTY - JOUR\nTI - One space before the hyphen\nER -\n"
    result = parse_ris(text)
    assert [r.title for r in result.records] == ["One space before the hyphen"]
    assert result.errors == []
    assert result.warnings[0].line == 1


def test_record_without_ty_is_kept_with_a_warning():
    result = parse_ris("TI  - No type line\nPY  - 2001\nER  - \n")
    assert result.records[0].title == "No type line"
    assert "does not start with TY" in result.warnings[0].message


def test_empty_record_is_an_error_but_untitled_record_is_kept():
    result = parse_ris("TY  - GEN\nER  - \n\nTY  - GEN\nAB  - Only an abstract\nER  - \n")
    assert len(result.records) == 1
    assert result.errors[0].line == 1 and "empty" in result.errors[0].message
    assert "no title" in result.warnings[0].message


@pytest.mark.parametrize("value", ["https://doi.org/10.1000/ABC", "doi:10.1000/abc", "10.1000/abc."])
def test_doi_is_normalised(value):
    assert parse_ris(f"TY  - JOUR\nTI  - T\nDO  - {value}\nER  - \n").records[0].doi == "10.1000/abc"


def test_max_records_stops_with_a_clear_error():
    text = "".join(f"TY  - JOUR\nTI  - Record {n}\nER  - \n" for n in range(5))
    result = parse_ris(text, max_records=3)
    assert len(result.records) == 3
    assert result.limit_exceeded
    assert result.errors[-1].message == "file has more than 3 records; the limit is 3"
    assert result.errors[-1].line == 10
