"""Validation of patient-level (IPD) time-to-event data shared by the Cox, log-rank and KM code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.engine.errors import InputError


@dataclass
class IpdData:
    """Clean patient-level data: arrays aligned row by row, arm 0 is the control."""

    time: np.ndarray
    event: np.ndarray  # int8, 1 = event, 0 = censored
    arm: np.ndarray  # int, 0 = control, 1.. = experimental arms in `arm_levels` order
    arm_levels: list[str]
    stratum: np.ndarray  # int codes into `stratum_levels` (all 0 when unstratified)
    stratum_levels: list[str]
    frame: pd.DataFrame  # the kept rows, for covariates
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.time.size)

    @property
    def events(self) -> int:
        return int(self.event.sum())


def level_labels(values: pd.Series) -> pd.Series:
    """Labels as strings, writing integral numbers without '.0' so '1' matches a numeric 1."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(str)
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float)
        if np.all(np.isfinite(numbers)) and np.all(numbers == np.round(numbers)):
            return numbers.astype(np.int64).astype(str)
        return numbers.astype(str)
    return values.astype(str)


def encode_levels(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes into the sorted distinct labels of a column; -1 for a missing or blank value.

    Only the distinct values are looked at as strings: per-row string work is slow for 100k patients.
    """
    codes, uniques = pd.factorize(values, sort=False)
    labels = level_labels(pd.Series(uniques)).tolist()
    blank = [isinstance(value, str) and not value.strip() for value in uniques]
    levels = sorted({label for label, is_blank in zip(labels, blank, strict=True) if not is_blank})
    position = [
        -1 if is_blank else levels.index(label) for label, is_blank in zip(labels, blank, strict=True)
    ]
    return np.array([*position, -1], dtype=np.int64)[codes], levels


def _compact(codes: np.ndarray, levels: list[str]) -> tuple[np.ndarray, list[str]]:
    """Drop levels that no kept row has any more."""
    present = np.bincount(codes, minlength=len(levels)) > 0
    if present.all():
        return codes, levels
    new_code = np.cumsum(present) - 1
    return new_code[codes], [level for level, keep in zip(levels, present, strict=True) if keep]


def _require_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"column(s) not found: {', '.join(missing)}; the data has: {', '.join(map(str, frame.columns))}"
        )


def prepare_ipd(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    control: str | None = None,
    strata: str | None = None,
    covariates: Sequence[str] = (),
) -> IpdData:
    """Check and clean one-row-per-patient data; rows with a missing value are dropped with a note."""
    used = [time, event, treatment, *([strata] if strata else []), *covariates]
    _require_columns(data, used)
    used = list(dict.fromkeys(used))
    notes: list[str] = []
    label_columns = list(dict.fromkeys([treatment, *([strata] if strata else [])]))
    encoded = {column: encode_levels(data[column]) for column in label_columns}
    frame = data.loc[:, used].copy()
    # Blank strings (from CSV or forms) count as missing, like NA.
    for column in used:
        if column in encoded:
            continue
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            blanks = [
                value for value in pd.unique(frame[column]) if isinstance(value, str) and not value.strip()
            ]
            if blanks:
                frame[column] = frame[column].mask(frame[column].isin(blanks))
    absent = {column: frame[column].isna().to_numpy() for column in used if column not in encoded}
    absent.update({column: codes < 0 for column, (codes, _) in encoded.items()})
    missing = np.logical_or.reduce([absent[column] for column in used])
    if missing.any():
        detail = ", ".join(
            f"{column}: {int(absent[column].sum())}" for column in used if absent[column].any()
        )
        notes.append(f"{int(missing.sum())} row(s) with missing values dropped ({detail})")
        frame = frame.loc[~missing]
        encoded = {column: _compact(codes[~missing], levels) for column, (codes, levels) in encoded.items()}
    if frame.empty:
        raise InputError("no patients left to analyse (every row has a missing value or the data is empty)")

    times = pd.to_numeric(frame[time], errors="coerce").to_numpy(dtype=float)
    if np.isnan(times).any():
        bad = frame[time][np.isnan(times)].iloc[0]
        raise InputError(f"time column '{time}' must be numeric; found {bad!r}")
    if not np.all(np.isfinite(times)):
        raise InputError(f"time column '{time}' has infinite values")
    if (times < 0).any():
        raise InputError(
            f"time column '{time}' has {int((times < 0).sum())} negative value(s); times must be >= 0"
        )

    events = _event_indicator(frame[event], event)

    treatment_codes, present = encoded[treatment]
    if control is None:
        if len(present) != 2:
            raise InputError(
                f"treatment column '{treatment}' has {len(present)} level(s) ({', '.join(present)}); "
                "exactly 2 are needed unless the control level is given"
            )
        control = present[0]
        notes.append(f"control level not given; using '{control}' (first in sorted order)")
    control = str(control)
    if control not in present:
        raise InputError(
            f"control level '{control}' not found in treatment column '{treatment}' (levels: {', '.join(present)})"
        )
    if len(present) < 2:
        raise InputError(f"treatment column '{treatment}' has only the control level '{control}'")
    arm_levels = [control] + [level for level in present if level != control]
    arm_of_level = np.array([arm_levels.index(level) for level in present])
    arm = arm_of_level[treatment_codes]

    if strata:
        stratum, stratum_levels = encoded[strata]
        per_stratum = np.bincount(stratum, weights=events, minlength=len(stratum_levels))
        empty = [stratum_levels[i] for i in np.flatnonzero(per_stratum == 0)]
        if empty:
            notes.append(
                f"stratum/strata without events contribute nothing to the Cox model or log-rank test: {', '.join(empty)}"
            )
    else:
        stratum_levels = ["all"]
        stratum = np.zeros(times.size, dtype=np.int64)
    if events.sum() == 0:
        raise InputError("there are no events; a hazard ratio cannot be estimated")
    return IpdData(
        time=times,
        event=events,
        arm=arm,
        arm_levels=arm_levels,
        stratum=stratum,
        stratum_levels=stratum_levels,
        frame=frame.reset_index(drop=True),
        notes=notes,
    )


def _event_indicator(values: pd.Series, name: str) -> np.ndarray:
    """Events as 0/1; booleans and the strings 'true'/'false' are accepted too."""
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=np.int8)
    if not pd.api.types.is_numeric_dtype(values):
        lowered = values.astype(str).str.strip().str.lower()
        mapped = lowered.map({"1": 1.0, "0": 0.0, "true": 1.0, "false": 0.0, "1.0": 1.0, "0.0": 0.0})
        if mapped.isna().any():
            bad = values[mapped.isna()].iloc[0]
            raise InputError(f"event column '{name}' must be 1 (event) or 0 (censored); found {bad!r}")
        values = mapped
    numbers = values.to_numpy(dtype=float)
    if not np.isin(numbers, (0.0, 1.0)).all():
        bad = numbers[~np.isin(numbers, (0.0, 1.0))][0]
        raise InputError(f"event column '{name}' must be 1 (event) or 0 (censored); found {bad:g}")
    return numbers.astype(np.int8)
