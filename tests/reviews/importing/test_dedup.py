"""Duplicate candidates: identifiers, near-identical titles, and scale."""

import random

from reviews.importing import DuplicateCandidate, ParsedRecord, find_duplicates, find_duplicates_between
from reviews.importing.dedup import first_author_surname, normalise_title

TITLE = "Cognitive flexibility and coping with stress in inflammatory bowel disease"


def _record(id, title=TITLE, year=2019, authors=("Rudnik, Agata",), doi="", pmid=""):
    return {"id": id, "title": title, "year": year, "authors": list(authors), "doi": doi, "pmid": pmid}


def test_normalise_title_and_surname():
    assert normalise_title("  Café-Culture:  THE (first) Study.") == "cafe culture the first study"
    assert first_author_surname(["Müller, Hans"]) == "muller"
    assert first_author_surname(["Liu R."]) == "liu"
    assert first_author_surname(["John Smith"]) == "smith"
    assert first_author_surname("van der Berg, J; Doe, A") == "vanderberg"
    assert first_author_surname([]) == ""


def test_same_doi_and_same_pmid():
    records = [
        _record(1, title="First", doi="10.1000/ABC"),
        _record(2, title="Entirely different", doi="https://doi.org/10.1000/abc"),
        _record(3, title="Another", pmid="123"),
        _record(4, title="Yet another", pmid="PMID: 123"),
    ]
    assert find_duplicates(records) == [
        DuplicateCandidate(1, 2, "doi", 1.0),
        DuplicateCandidate(3, 4, "pmid", 1.0),
    ]


def test_each_pair_once_with_the_strongest_reason():
    records = [_record(7, doi="10.1000/x", pmid="5"), _record(3, doi="10.1000/x", pmid="5")]
    assert find_duplicates(records) == [DuplicateCandidate(3, 7, "doi", 1.0)]


def test_near_title_with_typos_accents_and_punctuation():
    records = [
        _record(1),
        _record(2, title="Cognitive flexibilty and coping with stress in inflammatory bowel disease."),
        _record(
            3, title="COGNITIVE FLEXIBILITY AND COPING WITH STRESS IN INFLAMMATORY BOWEL DISEASE", year=2020
        ),
        _record(
            4,
            title="Cognitive flexibility and coping with stress in inflammatory bowel disease",
            authors=["Rüdnik A."],
        ),
    ]
    pairs = {(c.record_a, c.record_b): c for c in find_duplicates(records)}
    assert set(pairs) == {(1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)}
    assert all(c.reason == "title+year+author" for c in pairs.values())
    assert pairs[(1, 3)].score == 1.0
    assert 0.95 <= pairs[(1, 2)].score < 1.0


def test_no_match_for_other_years_authors_titles_or_conflicting_dois():
    records = [
        _record(1),
        _record(2, year=2015),
        _record(3, authors=["Kowalski, Jan"]),
        _record(4, title="Cognitive flexibility and coping with pain in rheumatoid arthritis"),
        _record(5, doi="10.1000/a"),
        _record(6, doi="10.1000/b", year=2017),
    ]
    pairs = {(c.record_a, c.record_b) for c in find_duplicates(records)}
    assert pairs == {(1, 5)}  # record 5 only adds a DOI that record 1 lacks


def test_missing_year_or_author_does_not_count_against():
    records = [_record(1), _record(2, year=None, authors=())]
    assert find_duplicates(records) == [DuplicateCandidate(1, 2, "title+year+author", 1.0)]


def test_parsed_records_without_ids_are_numbered_by_position():
    records = [
        ParsedRecord(title=TITLE, year=2019, authors=["Rudnik, A."]),
        ParsedRecord(title="Other title x"),
    ]
    records.append(ParsedRecord(title=TITLE + ".", year=2019, authors=["Rudnik, Agata"]))
    assert find_duplicates(records) == [DuplicateCandidate(0, 2, "title+year+author", 1.0)]


def test_new_records_against_existing_ones():
    existing = [_record(10), _record(11, title="Something else entirely", doi="10.9999/z")]
    new = [_record(100, doi="10.9999/Z", title="x"), _record(101), _record(102)]
    candidates = find_duplicates_between(new, existing)
    assert candidates == [
        DuplicateCandidate(10, 101, "title+year+author", 1.0),
        DuplicateCandidate(10, 102, "title+year+author", 1.0),
        DuplicateCandidate(11, 100, "doi", 1.0),
    ]


def _synthetic(count, seed=7):
    rng = random.Random(seed)
    words = [f"w{n}" for n in range(3000)]
    surnames = [f"surname{n}" for n in range(2000)]
    records = []
    for index in range(count):
        title = " ".join(rng.choice(words) for _ in range(10))
        records.append(
            _record(index, title=title, year=rng.randint(1990, 2024), authors=[rng.choice(surnames)])
        )
    return records


def test_scales_to_many_records_and_finds_planted_duplicates():
    records = _synthetic(20_000)
    planted = []
    for index in range(0, 20_000, 1000):
        copy = dict(records[index], id=100_000 + index)
        copy["title"] = copy["title"][:-1] + "x"  # one typo in the last word
        records.append(copy)
        planted.append((index, 100_000 + index))
    found = {(c.record_a, c.record_b) for c in find_duplicates(records)}
    assert set(planted) <= found
    assert len(found) < 100
