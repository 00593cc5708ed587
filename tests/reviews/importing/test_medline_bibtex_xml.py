"""MEDLINE (nbib), BibTeX and EndNote XML readers."""

from reviews.importing import parse_bibtex, parse_endnote_xml, parse_file, parse_medline


def test_medline_fields_continuations_and_records_without_blank_lines(fixture_path):
    result = parse_file(fixture_path("pubmed.nbib"))
    assert result.format == "medline"
    assert result.errors == []
    first, second, third, book = result.records
    assert first.title.startswith(
        "The importance of cognitive flexibility and flexibility in coping with stress for"
    )
    assert first.title.endswith("therapy. A preliminary report.")
    assert first.authors == ["Rudnik, Agata", "Piotrowicz, Grażyna"]
    assert first.doi == "10.5114/pg.2018.81081"
    assert first.pmid == "31384434"
    assert first.journal == "Przeglad gastroenterologiczny"
    assert (first.volume, first.issue, first.pages, first.year) == ("14", "2", "121-128", 2019)
    assert first.keywords == ["biological treatment", "Crohn's disease"]
    assert second.raw_type == "Journal Article"
    assert "Obesity/*complications" in second.keywords
    assert (third.pmid, third.source_line, third.year) == ("28000001", 60, 2016)
    assert book.title == "Drug treatments for hypertension: a book chapter."
    assert book.authors == ["Keller, M"]


def test_medline_block_that_is_not_medline_is_an_error():
    text = "PMID- 1\nTI  - Fine\n\nthis is not medline\nat all\n\nPMID- 2\nTI  - Also fine\n"
    result = parse_medline(text)
    assert [r.pmid for r in result.records] == ["1", "2"]
    assert [e.line for e in result.errors] == [4]


def test_bibtex_accents_braces_and_identifiers(fixture_path):
    result = parse_file(fixture_path("references.bib"))
    assert result.format == "bibtex" and result.errors == []
    article, paper, book = result.records
    assert article.title == "The importance of cognitive flexibility in Crohn's disease"
    assert article.authors == ["Rudnik, Agata", "Piotrowicz, Grażyna", "Basińska, Małgorzata A."]
    assert article.journal == "Przegląd Gastroenterologiczny"
    assert (article.pages, article.doi, article.pmid, article.year) == (
        "121-128",
        "10.5114/pg.2018.81081",
        "31384434",
        2019,
    )
    assert article.keywords == ["biological treatment", "Crohn's disease", "mindfulness"]
    assert article.source_line == 4
    assert paper.title == "Café consumption and Über-fast transit in IBD"
    assert paper.authors == ["Müller, Jürgen", "World Health Organization"]
    assert paper.journal == "Proceedings of the Gut Conference"
    assert (book.authors[0], book.year, book.pmid) == ("Higgins, Julian P. T.", 2019, "12345678")


def test_bibtex_unbalanced_brace_is_reported_and_the_rest_kept(fixture_path):
    result = parse_file(fixture_path("unbalanced.bib"))
    assert [r.title for r in result.records] == [
        "A good entry before the broken one",
        "A good entry after the broken one",
    ]
    assert [e.line for e in result.errors] == [7]


def test_bibtex_duplicate_keys_are_kept_with_a_warning():
    text = "@article{a, title={One}, year={2001}}\n@article{a, title={Two}, year={2002}}\n"
    result = parse_bibtex(text)
    assert [r.title for r in result.records] == ["One", "Two"]
    assert "used twice" in result.warnings[0].message


def test_endnote_xml_styles_keywords_and_line_numbers(fixture_path):
    result = parse_file(fixture_path("endnote.xml"))
    assert result.format == "endnote_xml" and result.errors == []
    article, book, untitled = result.records
    assert article.title == "The importance of cognitive flexibility in inflammatory bowel disease"
    assert article.keywords == ["biological treatment", "Crohn's disease", "mindfulness"]
    assert (article.pmid, article.doi, article.journal) == (
        "31384434",
        "10.5114/pg.2018.81081",
        "Przeglad gastroenterologiczny",
    )
    assert article.abstract.endswith("factors & treatment.")
    assert article.raw_type == "Journal Article"
    assert (article.source_line, book.source_line, untitled.source_line) == (3, 5, 15)
    assert book.doi == "10.1002/9781119536604"
    assert untitled.title == "" and "no title" in result.warnings[0].message


def test_truncated_endnote_xml_keeps_earlier_records(fixture_path):
    result = parse_file(fixture_path("truncated.xml"))
    assert len(result.records) == 1
    assert result.errors[0].line == 9 and "record 2" in result.errors[0].message


def test_endnote_xml_refuses_entity_declarations():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        "<xml><records><record><titles><title>&lol2;</title></titles></record></records></xml>"
    )
    result = parse_endnote_xml(bomb)
    assert result.records == []
    assert "refused" in result.errors[0].message
