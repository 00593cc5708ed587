"""A reference file's bytes as text: the encoding detected, mixed files read line by line.

Reference exports come in UTF-8 (with or without BOM), UTF-16 (Web of Science, sometimes without
a BOM) and the legacy code pages of older tools; a file pasted together from two exports can mix
UTF-8 lines with Windows-1252 ones. Bytes that read as text in no plausible encoding are refused
with the line where reading fails, rather than becoming records of mojibake. Archives are refused
whole: a zip is not read as the text that happens to be stored in it uncompressed.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from .records import ParseWarning

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ARCHIVES = (
    (b"PK\x03\x04", "zip archive"),
    (b"PK\x05\x06", "zip archive"),
    (b"\x1f\x8b", "gzip archive"),
)
# Western exports: when the non-UTF-8 bytes read alike in several code pages, Windows-1252 is the one.
_WESTERN = {"cp1252", "latin_1", "iso8859_15"}
# charset-normalizer judges this much of the non-UTF-8 text; every line is then decoded strictly.
_SAMPLE_BYTES = 256 * 1024
_UTF16_SAMPLE = 4096


class UndecodableFileError(ValueError):
    """The file is not text in any encoding the importer reads; `line` is 1-based or None."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def decode_bytes(data: bytes) -> tuple[str, list[ParseWarning]]:
    """Text from a file's bytes, and a warning when it was not UTF-8; UndecodableFileError if not text."""
    for magic, kind in _ARCHIVES:
        if data.startswith(magic):
            raise UndecodableFileError(
                None, f"the file is a {kind}: unzip it and import the reference files inside it one by one"
            )
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data, encoding), []
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _strict(data, utf16), [ParseWarning(None, f"the file was read as {utf16.upper()} (no BOM)")]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    return _decode_mixed(data)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].decode(encoding, errors="replace").count("\n") + 1
        raise UndecodableFileError(
            line, f"the file starts as {encoding.upper()} but could not be read as text from this line on"
        ) from None


def _utf16_without_bom(data: bytes) -> str:
    """ "utf-16-le"/"utf-16-be" when the bytes have the NUL pattern of mostly-ASCII UTF-16 text."""
    sample = data[: _UTF16_SAMPLE - _UTF16_SAMPLE % 2]
    if len(sample) < 4 or len(data) % 2:
        return ""
    half = len(sample) // 2
    even_nuls = sample[0::2].count(0) / half
    odd_nuls = sample[1::2].count(0) / half
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return ""


def _decode_mixed(data: bytes) -> tuple[str, list[ParseWarning]]:
    """UTF-8 lines as UTF-8, the others in the legacy encoding charset-normalizer finds for them."""
    lines = data.split(b"\n")
    legacy_lines: list[int] = []
    for number, line in enumerate(lines):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            legacy_lines.append(number)
    sample = b"\n".join(lines[n] for n in legacy_lines)[:_SAMPLE_BYTES]
    encoding = _legacy_encoding(sample)
    if encoding is None:
        raise UndecodableFileError(
            legacy_lines[0] + 1,
            "the file could not be read as text from this line on (expected UTF-8, UTF-16 or a "
            "legacy code page such as Windows-1252); is it a reference export?",
        )
    if encoding.startswith(("utf_16", "utf_32")):
        # Mostly non-Latin UTF-16 without a BOM has too few NUL bytes for _utf16_without_bom.
        return _strict(data, encoding), [ParseWarning(None, f"the file was read as {encoding} (no BOM)")]
    legacy = set(legacy_lines)
    decoded = []
    for number, line in enumerate(lines):
        if number not in legacy:
            decoded.append(line.decode("utf-8"))
            continue
        try:
            decoded.append(line.decode(encoding))
        except UnicodeDecodeError:
            raise UndecodableFileError(
                number + 1,
                f"this line could not be read as text in UTF-8 or in {encoding}, the encoding of the "
                "file's other lines that are not UTF-8",
            ) from None
    # Lines of plain ASCII read alike in both; only non-ASCII UTF-8 lines make a file mixed.
    mixed = any(not line.isascii() for number, line in enumerate(lines) if number not in legacy)
    if not mixed:
        message = f"the file is not UTF-8; it was read as {encoding}"
    else:
        shown = ", ".join(str(n + 1) for n in legacy_lines[:5]) + (", …" if len(legacy_lines) > 5 else "")
        message = f"{len(legacy_lines)} line(s) are not UTF-8 (line {shown}); they were read as {encoding}"
    return "\n".join(decoded), [ParseWarning(legacy_lines[0] + 1, message)]


def _legacy_encoding(sample: bytes) -> str | None:
    """The code page the sample is written in, None if it is no text at all."""
    matches = list(from_bytes(sample))
    if not matches:
        return None
    least_chaos = min(match.chaos for match in matches)
    plausible = [match for match in matches if match.chaos <= least_chaos + 0.1]
    for match in plausible:
        if _WESTERN.intersection(match.could_be_from_charset):
            return "cp1252" if _decodes(sample, "cp1252") else "latin-1"
    return plausible[0].encoding


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
