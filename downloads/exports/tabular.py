"""CSV and XLSX writers that are safe to open in a spreadsheet (no formula injection).

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
neutralised with a leading ``'`` (OWASP's advice), so Excel, LibreOffice and Google Sheets
show it as text instead of running it. Numbers stay numbers: a float or an int is written
as it is, and text that is a plain number ("-0.5") is left alone because a spreadsheet
reads it as that number, never as a formula. Headers are user text too (field names), so
they get the same treatment.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def safe_text(value: str) -> str:
    """The text, with a leading ``'`` when a spreadsheet would read it as a formula."""
    if value and value[0] in TRIGGERS and not PLAIN_NUMBER.match(value.strip()):
        return "'" + value
    return value


def safe_cell(value):
    """A cell value ready for a spreadsheet: text neutralised, numbers and booleans untouched."""
    if value is None:
        return None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, list | tuple | set):
        return safe_text("; ".join(str(v) for v in value))
    if isinstance(value, dict):
        return safe_text("; ".join(f"{k}: {v}" for k, v in value.items()))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return safe_text(str(value))


def frame_of(rows: Iterable[Mapping] | pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The rows as a DataFrame of safe cells, columns in the order given (else first seen)."""
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict(orient="records")
    rows = list(rows)
    if columns is None:
        columns = []
        for row in rows:
            columns.extend(c for c in row if c not in columns)
    data = [[safe_cell(row.get(c)) for c in columns] for row in rows]
    # dtype=object keeps every cell as it is: ints stay ints, text stays text.
    return pd.DataFrame(data, columns=[safe_text(str(c)) for c in columns], dtype=object)


def csv_bytes(rows, columns: list[str] | None = None) -> bytes:
    """UTF-8 CSV of the rows (numbers written so they read back exactly)."""
    frame = frame_of(rows, columns)
    text = frame.to_csv(index=False, lineterminator="\n")
    return text.encode("utf-8")


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, none of []:*?/\\)."""
    base = SHEET_FORBIDDEN.sub("_", name).strip("'") or "Sheet"
    candidate, n = base[:31], 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def xlsx_bytes(sheets: Mapping[str, Iterable[Mapping] | pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per table (openpyxl), cells neutralised as in CSV."""
    buffer = io.BytesIO()
    taken: set[str] = set()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        if not sheets:
            pd.DataFrame({"note": ["nothing to export yet"]}).to_excel(
                writer, sheet_name="empty", index=False
            )
        for name, rows in sheets.items():
            frame = frame_of(rows)
            if frame.columns.empty:
                frame = pd.DataFrame({"note": ["no rows"]})
            frame.to_excel(writer, sheet_name=sheet_name(name, taken), index=False)
    return buffer.getvalue()


def zip_bytes(files: Mapping[str, bytes | str]) -> bytes:
    """A zip of the named files (text as UTF-8), in the order given, with fixed timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
    return buffer.getvalue()
