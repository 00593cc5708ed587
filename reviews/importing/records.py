"""Format-neutral reference records, parse results and the value clean-ups every parser shares."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from urllib.parse import quote, urlsplit

_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi\.org/|doi:\s*|\[doi\]\s*)", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"^10\.\d{3,9}/\S+$")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|21\d\d)(?!\d)")
_PMID = re.compile(r"^\s*(?:PMID|PubMed\s*ID|MEDLINE)?\s*[:=]?\s*(\d{1,9})\s*$", re.IGNORECASE)
# "Liu R." / "Adler D.G." / "van der Berg JM": a surname followed by initials, as Embase and MEDLINE write.
_SURNAME_INITIALS = re.compile(r"^(?P<last>.+?)\s+(?P<initials>(?:[A-Z]\.?[\s-]?){1,4})$")


@dataclass(slots=True)
class ParsedRecord:
    """One reference as read from a file, before it becomes a database row."""

    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    keywords: list[str] = field(default_factory=list)
    url: str = ""
    source_line: int = 0
    raw_type: str = ""

    def has_content(self) -> bool:
        """True if the record carries anything that identifies a work (the type alone does not)."""
        return bool(
            self.title
            or self.abstract
            or self.authors
            or self.doi
            or self.pmid
            or self.journal
            or self.keywords
            or self.url
        )

    def to_dict(self) -> dict:
        """The record as a plain dict (for JSON, Celery and model constructors)."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ParseError:
    """A record (or part of a file) that could not be read; `line` is 1-based, None for the whole file."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something odd that did not stop a record from being imported."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


@dataclass(slots=True)
class ParseResult:
    """The good records of one file, the errors for the bad ones, and warnings."""

    records: list[ParsedRecord]
    errors: list[ParseError]
    format: str
    warnings: list[ParseWarning] = field(default_factory=list)
    limit_exceeded: bool = False


# The most of each field a record keeps (a longer value is cut, with a warning naming the record):
# no real reference comes near them, and a file that does must not make every records list heavy.
# The short ones are the lengths of their database columns (reviews.models.Record).
TEXT_LIMITS = {
    "title": 2_000,
    "abstract": 100_000,
    "journal": 500,
    "volume": 50,
    "issue": 50,
    "pages": 50,
    "doi": 255,
    "pmid": 20,
    "url": 2_000,
    "raw_type": 20,
}
# (most items, most characters per item)
LIST_LIMITS = {"authors": (1_000, 500), "keywords": (500, 200)}
_LABELS = {"raw_type": "reference type"}


def bound_record(record: ParsedRecord, warn) -> None:
    """Cut the record's fields to TEXT_LIMITS and LIST_LIMITS, calling warn(message) for each cut."""
    where = f"record at line {record.source_line}"
    for name, limit in TEXT_LIMITS.items():
        value = getattr(record, name)
        if len(value) > limit:
            setattr(record, name, value[:limit])
            warn(f"{where}: {_LABELS.get(name, name)} longer than {limit:,} characters was cut")
    for name, (most, longest) in LIST_LIMITS.items():
        values = getattr(record, name)
        if len(values) > most:
            values = values[:most]
            warn(f"{where}: more than {most:,} {name}; the first {most:,} were kept")
        if any(len(value) > longest for value in values):
            values = [value[:longest] for value in values]
            warn(f"{where}: {name} longer than {longest:,} characters were cut")
        setattr(record, name, values)


class RecordLimitReached(Exception):
    """Raised inside a parser to stop reading once the record limit is passed."""


class RecordCollector:
    """Gathers a parser's output and applies the rules every format shares (empty records, limits)."""

    def __init__(self, format_name: str, max_records: int | None = None):
        self.format = format_name
        self.max_records = max_records
        self.records: list[ParsedRecord] = []
        self.errors: list[ParseError] = []
        self.warnings: list[ParseWarning] = []
        self.limit_exceeded = False

    def add(self, record: ParsedRecord) -> None:
        """Keep a record, or report it if it holds nothing; raise RecordLimitReached past the limit."""
        if not record.has_content():
            self.error(record.source_line, f"record at line {record.source_line} is empty")
            return
        if self.max_records is not None and len(self.records) >= self.max_records:
            self.limit_exceeded = True
            self.error(
                record.source_line,
                f"file has more than {self.max_records} records; the limit is {self.max_records}",
            )
            raise RecordLimitReached
        if not record.title:
            self.warn(record.source_line, f"record at line {record.source_line} has no title")
        bound_record(record, lambda message: self.warn(record.source_line, message))
        self.records.append(record)

    def error(self, line: int | None, message: str) -> None:
        """Report a record that was skipped."""
        self.errors.append(ParseError(line, message))

    def warn(self, line: int | None, message: str) -> None:
        """Report something odd about a record that was kept."""
        self.warnings.append(ParseWarning(line, message))

    def result(self) -> ParseResult:
        """The finished ParseResult."""
        return ParseResult(self.records, self.errors, self.format, self.warnings, self.limit_exceeded)


def clean_text(value: str | None) -> str:
    """Fold runs of whitespace (hard-wrapped exports) and trim."""
    if not value:
        return ""
    if "  " not in value and value.isprintable():
        # Most values are clean already (isprintable is False for tabs, newlines and odd spaces);
        # scanning is cheaper than rebuilding a long abstract.
        return value.strip(" ")
    # str.split() folds every kind of whitespace, and is much faster than a regex.
    return " ".join(value.split())


def normalise_doi(value: str | None) -> str:
    """Lower-case DOI without resolver prefix or trailing punctuation; "" if it is not a DOI."""
    if not value:
        return ""
    doi = _DOI_PREFIX.sub("", value.strip())
    doi = doi.split()[0] if doi.split() else ""
    doi = doi.rstrip(".,;").lower()
    # URL-encoded slashes appear in links that carry a DOI (Scopus, Embase).
    doi = doi.replace("%2f", "/")
    return doi if _DOI_SHAPE.match(doi) else ""


def find_doi(value: str | None) -> str:
    """The DOI in a value that is nothing but a DOI or a doi.org link; "" otherwise."""
    if not value:
        return ""
    return normalise_doi(value) if _DOI_PREFIX.match(value) or value.strip().startswith("10.") else ""


def normalise_pmid(value: str | None) -> str:
    """Digits of a PubMed ID ("PMID: 123" -> "123"); "" if the value is not one."""
    if not value:
        return ""
    match = _PMID.match(value)
    return match.group(1).lstrip("0") if match else ""


def parse_year(value: str | None) -> int | None:
    """First plausible four-digit year in a date string ("2019///", "2019 Oct 3", "Spring 2001")."""
    if not value:
        return None
    match = _YEAR.search(value)
    return int(match.group(1)) if match else None


def normalise_author(name: str) -> str:
    """Write an author as "Last, First": "Liu R." -> "Liu, R."; names with a comma are kept."""
    name = clean_text(name).strip(" ,;")
    if not name or "," in name:
        return name
    match = _SURNAME_INITIALS.match(name)
    if match:
        return f"{match.group('last')}, {match.group('initials').strip()}"
    # "John Smith" or a group name: which word is the surname cannot be told, so keep it as written.
    return name


def split_authors(value: str | None) -> list[str]:
    """Split an author list written on one line: "A; B", "A and B", or Embase's "Liu R., Adler D.G."."""
    value = clean_text(value)
    if not value:
        return []
    if ";" in value:
        parts = value.split(";")
    elif " and " in value:
        parts = value.split(" and ")
    else:
        parts = value.split(",")
        # "Smith, John" is one author; "Liu R., Adler D.G." is two: every piece holds a space.
        if len(parts) < 2 or not all(" " in part.strip() for part in parts):
            parts = [value]
    return [author for author in (normalise_author(part) for part in parts) if author]


def split_keywords(values: list[str]) -> list[str]:
    """Flatten keyword values that may hold several keywords separated by semicolons."""
    keywords: list[str] = []
    for value in values:
        for part in value.split(";"):
            keyword = clean_text(part)
            if keyword and keyword not in keywords:
                keywords.append(keyword)
    return keywords


def join_pages(start: str, end: str) -> str:
    """ "152" + "160" -> "152-160"; a start that is already a range is kept."""
    start, end = clean_text(start), clean_text(end)
    if start and end and "-" not in start and start != end:
        return f"{start}-{end}"
    return start or end


def strip_accents(value: str) -> str:
    """Remove diacritics (é -> e) so that spellings from different databases compare equal."""
    if value.isascii():
        # Most titles are plain ASCII, which has nothing to strip; decomposing them char by char
        # was most of the time of importing 100,000 records.
        return value
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def link_href(value: str | None) -> str:
    """A URL that is safe as a link target: http(s) kept, a DOI made a doi.org link, anything else "".

    The one place where a record's URL becomes an href: a `javascript:` or `data:` URL from an
    imported file must be shown as text, never followed.
    """
    if not value:
        return ""
    value = value.strip()
    doi = find_doi(value)
    if doi:
        return f"https://doi.org/{quote(doi, safe='/:;()._-')}"
    # Browsers drop tabs and newlines inside URLs ("java\tscript:"), so any whitespace or control
    # character disqualifies a value rather than being cleaned away.
    if not value.isprintable() or any(char.isspace() for char in value):
        return ""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return value
