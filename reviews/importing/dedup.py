"""Duplicate candidates among references: same DOI, same PMID, or nearly the same title, year and first author.

Scales by never comparing all pairs: identifiers are grouped by hash, and titles are compared
(with rapidfuzz's cdist) only within blocks of records that share the first author's surname and a
year (or the next year), or the first or last characters of the normalised title.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from .records import normalise_doi, normalise_pmid, parse_year, strip_accents

REASON_DOI = "doi"
REASON_PMID = "pmid"
REASON_TITLE = "title+year+author"
_REASON_RANK = {REASON_DOI: 0, REASON_PMID: 1, REASON_TITLE: 2}

# Titles shorter than this ("Editorial", "Reply") say too little to call two records the same work.
MIN_TITLE_LENGTH = 10
# Characters of the normalised title that the prefix and suffix blocks share; a typo rarely hits both ends.
_AFFIX_LENGTH = 24
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    """Two records that may be the same work: why (reason) and how sure (score, 0-1)."""

    record_a: Hashable
    record_b: Hashable
    reason: str
    score: float


def normalise_title(title: str | None) -> str:
    """Lower-case, accents stripped, punctuation removed, whitespace folded."""
    if not title:
        return ""
    return _NON_ALNUM.sub(" ", strip_accents(title).lower()).strip()


def first_author_surname(authors: Sequence[str] | str | None) -> str:
    """Normalised surname of the first author ("Müller, Hans" -> "muller"; "Liu R." -> "liu")."""
    if not authors:
        return ""
    first = authors if isinstance(authors, str) else authors[0]
    if isinstance(authors, str):
        first = re.split(r";| and ", first)[0]
    first = first.strip()
    if "," in first:
        surname = first.split(",")[0]
    else:
        words = first.split()
        # "Liu R" / "Liu R." write initials last; "John Smith" writes the surname last.
        initials_last = len(words) > 1 and len(words[-1].replace(".", "").replace("-", "")) <= 3
        surname = words[0] if initials_last or len(words) == 1 else words[-1]
    return normalise_title(surname).replace(" ", "")


@dataclass(slots=True)
class _Key:
    """What matching needs from one record."""

    id: Hashable
    side: int
    doi: str
    pmid: str
    title: str  # normalised, words in order
    sorted_title: str  # normalised, words sorted (token_sort_ratio without re-tokenising)
    year: int | None
    surname: str


def _field(record, name: str):
    if isinstance(record, dict):
        return record.get(name)
    return getattr(record, name, None)


def _record_id(record, index: int) -> Hashable:
    for name in ("id", "pk"):
        value = _field(record, name)
        if value is not None:
            return value
    return index


def _prepare(records: Iterable, side: int) -> list[_Key]:
    keys = []
    for index, record in enumerate(records):
        title = normalise_title(_field(record, "title"))
        year = _field(record, "year")
        if not isinstance(year, int):
            year = parse_year(str(year)) if year else None
        keys.append(
            _Key(
                id=_record_id(record, index),
                side=side,
                doi=normalise_doi(_field(record, "doi")),
                pmid=normalise_pmid(str(_field(record, "pmid") or "")),
                title=title,
                sorted_title=" ".join(sorted(title.split())),
                year=year,
                surname=first_author_surname(_field(record, "authors")),
            )
        )
    return keys


def find_duplicates(
    records: Sequence, *, title_threshold: float = 95.0, year_tolerance: int = 1
) -> list[DuplicateCandidate]:
    """Candidate duplicate pairs within one list of records (dicts or objects; ids from `id`, else index)."""
    keys = _prepare(records, side=0)
    pairs = _Matcher(keys, cross_only=False, threshold=title_threshold, year_tolerance=year_tolerance).run()
    candidates = []
    for (i, j), (reason, score) in pairs.items():
        a, b = keys[i].id, keys[j].id
        try:
            if b < a:
                a, b = b, a
        except TypeError:  # ids of mixed types keep list order
            pass
        candidates.append(DuplicateCandidate(a, b, reason, score))
    return candidates


def find_duplicates_between(
    new_records: Sequence,
    existing_records: Sequence,
    *,
    title_threshold: float = 95.0,
    year_tolerance: int = 1,
) -> list[DuplicateCandidate]:
    """Pairs of a new record and an existing one; record_a is the existing record, record_b the new one."""
    existing = _prepare(existing_records, side=0)
    new = _prepare(new_records, side=1)
    keys = existing + new
    pairs = _Matcher(keys, cross_only=True, threshold=title_threshold, year_tolerance=year_tolerance).run()
    return [
        DuplicateCandidate(keys[i].id, keys[j].id, reason, score) for (i, j), (reason, score) in pairs.items()
    ]


class _Matcher:
    """Finds pairs (i < j, indexes into keys) with the strongest reason for each."""

    def __init__(self, keys: list[_Key], cross_only: bool, threshold: float, year_tolerance: int):
        self.keys = keys
        self.cross_only = cross_only
        self.threshold = threshold
        self.year_tolerance = year_tolerance
        self.pairs: dict[tuple[int, int], tuple[str, float]] = {}

    def run(self) -> dict[tuple[int, int], tuple[str, float]]:
        self._match_identifier("doi", REASON_DOI)
        self._match_identifier("pmid", REASON_PMID)
        self._match_titles()
        return dict(sorted(self.pairs.items()))

    def _keep(self, i: int, j: int, reason: str, score: float) -> None:
        pair = (i, j) if i < j else (j, i)
        known = self.pairs.get(pair)
        if known is None or (_REASON_RANK[reason], -score) < (_REASON_RANK[known[0]], -known[1]):
            self.pairs[pair] = (reason, score)

    def _allowed(self, i: int, j: int) -> bool:
        return i != j and (not self.cross_only or self.keys[i].side != self.keys[j].side)

    def _match_identifier(self, attribute: str, reason: str) -> None:
        groups: dict[str, list[int]] = defaultdict(list)
        for index, key in enumerate(self.keys):
            value = getattr(key, attribute)
            if value:
                groups[value].append(index)
        for members in groups.values():
            for position, i in enumerate(members):
                for j in members[position + 1 :]:
                    if self._allowed(i, j):
                        self._keep(i, j, reason, 1.0)

    def _match_titles(self) -> None:
        by_author_year: dict[tuple[str, int], list[int]] = defaultdict(list)
        by_prefix: dict[str, list[int]] = defaultdict(list)
        by_suffix: dict[str, list[int]] = defaultdict(list)
        for index, key in enumerate(self.keys):
            if len(key.title) < MIN_TITLE_LENGTH:
                continue
            if key.surname and key.year is not None:
                by_author_year[(key.surname, key.year)].append(index)
            by_prefix[key.title[:_AFFIX_LENGTH]].append(index)
            by_suffix[key.title[-_AFFIX_LENGTH:]].append(index)
        for (surname, year), members in by_author_year.items():
            self._compare(members, members)
            for offset in range(1, self.year_tolerance + 1):
                neighbours = by_author_year.get((surname, year + offset))
                if neighbours:
                    self._compare(members, neighbours)
        for blocks in (by_prefix, by_suffix):
            for members in blocks.values():
                self._compare(members, members)

    def _compare(self, rows: list[int], columns: list[int]) -> None:
        """Score titles of rows against columns and keep the pairs that pass every test."""
        if rows is columns and len(rows) < 2:
            return
        keys = self.keys
        if len(rows) * len(columns) <= 4:
            hits = [(i, j, self._score(keys[i], keys[j])) for i in rows for j in columns]
        else:
            workers = -1 if len(rows) * len(columns) > 10_000 else 1
            matrix = None
            # Word order as written catches typos; sorted words catch reordered titles.
            for attribute in ("title", "sorted_title"):
                scores = process.cdist(
                    [getattr(keys[i], attribute) for i in rows],
                    [getattr(keys[j], attribute) for j in columns],
                    scorer=fuzz.ratio,
                    score_cutoff=self.threshold,
                    workers=workers,
                    dtype=np.float32,
                )
                matrix = scores if matrix is None else np.maximum(matrix, scores)
            row_positions, column_positions = np.nonzero(matrix)
            hits = [
                (rows[r], columns[c], float(matrix[r, c]))
                for r, c in zip(row_positions.tolist(), column_positions.tolist(), strict=True)
            ]
        same_block = rows is columns
        for i, j, score in hits:
            if not score or (same_block and i >= j):
                continue
            if self._allowed(i, j) and self._compatible(keys[i], keys[j]):
                self._keep(i, j, REASON_TITLE, round(score / 100.0, 4))

    def _score(self, a: _Key, b: _Key) -> float:
        """Title similarity 0-100 (0 below the threshold), as written or with words sorted."""
        return max(
            fuzz.ratio(a.title, b.title, score_cutoff=self.threshold),
            fuzz.ratio(a.sorted_title, b.sorted_title, score_cutoff=self.threshold),
        )

    def _compatible(self, a: _Key, b: _Key) -> bool:
        """Same first author and year within tolerance (a missing value does not count against);
        differing DOIs or PMIDs mean two different works with similar titles."""
        if a.surname and b.surname and a.surname != b.surname:
            return False
        if a.year is not None and b.year is not None and abs(a.year - b.year) > self.year_tolerance:
            return False
        if a.doi and b.doi and a.doi != b.doi:
            return False
        return not (a.pmid and b.pmid and a.pmid != b.pmid)
