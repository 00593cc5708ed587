"""Reading reference files and finding duplicate references, without Django models."""

from .bibtex import parse_bibtex
from .csv_format import parse_csv
from .dedup import DuplicateCandidate, find_duplicates, find_duplicates_between, normalise_title
from .detect import PARSERS, UnknownFormatError, decode_bytes, detect_format, parse_file, parse_text
from .encoding import UndecodableFileError
from .endnote_xml import parse_endnote_xml
from .medline import parse_medline
from .records import ParsedRecord, ParseError, ParseResult, ParseWarning
from .ris import parse_ris, write_ris

__all__ = [
    "PARSERS",
    "DuplicateCandidate",
    "ParseError",
    "ParseResult",
    "ParseWarning",
    "ParsedRecord",
    "UndecodableFileError",
    "UnknownFormatError",
    "decode_bytes",
    "detect_format",
    "find_duplicates",
    "find_duplicates_between",
    "normalise_title",
    "parse_bibtex",
    "parse_csv",
    "parse_endnote_xml",
    "parse_file",
    "parse_medline",
    "parse_ris",
    "parse_text",
    "write_ris",
]
