"""Reading study rows, recognising the kind of input, and JSON-safe output.

Input columns use metafor's names (see shared/reference/README.md). Output
never holds NaN or infinity: those become ``None`` so the result is valid JSON.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .errors import InputError

# The columns of each kind of input, in the order they are recognised.
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "2x2": ("ai", "bi", "ci", "di"),
    "2x2_totals": ("ai", "n1i", "ci", "n2i"),
    "means": ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    "proportion": ("xi", "ni"),
    "yi_vi": ("yi", "vi"),
    "yi_sei": ("yi", "sei"),
    "ratio_ci": ("estimate", "ci_lower", "ci_upper"),
    "logrank": ("o_minus_e", "v"),
}

STUDY_LABEL_COLUMNS = ("study", "label", "author", "trial")


def detect_input_kind(columns: Iterable[str], measure: str | None = None) -> str:
    """The kind of input the columns hold ("2x2", "means", "proportion", ...)."""
    present = {str(c).strip() for c in columns}
    for kind, needed in INPUT_COLUMNS.items():
        if set(needed) <= present:
            return kind
    described = "; ".join(f"{kind}: {', '.join(cols)}" for kind, cols in INPUT_COLUMNS.items())
    raise InputError(
        f"cannot tell the kind of input from the columns {', '.join(sorted(present))}; expected one of: {described}"
    )


def parse_number(value, *, column: str, study: str) -> float | None:
    """A float from a cell, None when the cell is empty or NA; an InputError for text."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"column {column}: {value!r} is not a number", study=study, column=column)
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return None if math.isnan(number) else number
    text = str(value).strip()
    if text == "" or text.upper() in ("NA", "NAN", "NULL", "NONE", "."):
        return None
    try:
        number = float(text)
    except ValueError:
        raise InputError(f"column {column}: {text!r} is not a number", study=study, column=column) from None
    return None if math.isnan(number) else number


def study_label(row: dict, index: int) -> str:
    """The study's name from the first label column present, else "Study <n>"."""
    for column in STUDY_LABEL_COLUMNS:
        value = row.get(column)
        if value is not None and str(value).strip() not in ("", "nan"):
            return str(value).strip()
    return f"Study {index + 1}"


def read_csv(path: str | Path) -> list[dict]:
    """Rows of a CSV file as dicts of stripped strings (numbers are parsed later, per column)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames:
                raise InputError(f"{path}: the file is empty or has no header row")
            return [
                {
                    str(k).strip(): (v.strip() if isinstance(v, str) else v)
                    for k, v in row.items()
                    if k is not None
                }
                for row in reader
            ]
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file") from None
    except csv.Error as error:
        raise InputError(f"{path}: not a readable CSV file ({error})") from None


def rows_from(data) -> list[dict]:
    """Accept a list of dicts or a pandas DataFrame (imported lazily, off the hot path)."""
    if isinstance(data, list):
        return data
    if hasattr(data, "to_dict"):
        return data.to_dict(orient="records")
    raise InputError("data must be a list of rows (dicts) or a DataFrame")


def json_safe(value):
    """Make a result JSON-safe: numpy types to Python, NaN and infinity to None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    return value
