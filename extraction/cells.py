"""The cells of an extraction sheet: their names, what each outcome type asks for, and validation.

A cell name says where a value sits, and is unique inside one extraction:

- ``f{field}``                  a study-level field of the review's form
- ``f{field}:a{arm}``           an arm-level field for one arm
- ``o{outcome}:a{arm}:{key}``   an outcome number of one arm (events, total, mean, sd, n, …)
- ``o{outcome}:c{comparison}:{key}``  a time-to-event estimate of one comparison (hr, …)

Pure functions: no database. The services look the pieces up and lock what they write.
"""

import math
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from scipy import stats

from extraction.models import FieldKind, OutcomeKind

CELL_PATTERN = re.compile(
    r"^(?:f(?P<field>\d+)(?::a(?P<field_arm>\d+))?"
    r"|o(?P<outcome>\d+):(?:a(?P<arm>\d+)|c(?P<comparison>\d+)):(?P<key>[a-z_]+))$"
)


@dataclass(frozen=True)
class CellRef:
    """A parsed cell name."""

    field_id: int | None = None
    outcome_id: int | None = None
    arm_id: int | None = None
    comparison_id: int | None = None
    key: str = ""


@dataclass(frozen=True)
class NumberSpec:
    """One number an outcome type asks for."""

    key: str
    label: str
    integer: bool = False
    positive: bool = False  # > 0
    non_negative: bool = False  # >= 0


ARM_NUMBERS = {
    OutcomeKind.DICHOTOMOUS: [
        NumberSpec("events", "Events", integer=True, non_negative=True),
        NumberSpec("total", "Total", integer=True, positive=True),
    ],
    OutcomeKind.CONTINUOUS: [
        NumberSpec("mean", "Mean"),
        NumberSpec("sd", "SD", positive=True),
        NumberSpec("n", "n", integer=True, positive=True),
    ],
    OutcomeKind.PROPORTION: [
        NumberSpec("responders", "Responders", integer=True, non_negative=True),
        NumberSpec("n", "n", integer=True, positive=True),
    ],
    OutcomeKind.TIME_TO_EVENT: [
        NumberSpec("events", "Events (O)", integer=True, non_negative=True),
        NumberSpec("total", "Patients (N)", integer=True, positive=True),
    ],
}
COMPARISON_NUMBERS = {
    OutcomeKind.TIME_TO_EVENT: [
        NumberSpec("hr", "Hazard ratio", positive=True),
        NumberSpec("hr_lower", "HR 95% CI lower", positive=True),
        NumberSpec("hr_upper", "HR 95% CI upper", positive=True),
        NumberSpec("log_hr", "log HR"),
        NumberSpec("se_log_hr", "SE of log HR", positive=True),
        NumberSpec("o_minus_e", "Log-rank O−E"),
        NumberSpec("v", "Log-rank variance V", positive=True),
    ],
}
# (smaller, larger): the first may not exceed the second, as the message says.
COUNT_PAIRS = [("events", "total"), ("responders", "n")]

CI_NORMAL_QUANTILE = 1.96
SMALL_SAMPLE = 60  # below this n the Cochrane Handbook (6.5.2.2) uses the t quantile instead of 1.96


def parse_cell(cell: str) -> CellRef:
    """The parts of a cell name; ValidationError for a malformed one."""
    match = CELL_PATTERN.match(cell or "")
    if not match:
        raise ValidationError({"cell": f"“{cell}” is not a cell of an extraction sheet."})
    parts = match.groupdict()
    if parts["field"]:
        return CellRef(field_id=int(parts["field"]), arm_id=_int(parts["field_arm"]))
    return CellRef(
        outcome_id=int(parts["outcome"]),
        arm_id=_int(parts["arm"]),
        comparison_id=_int(parts["comparison"]),
        key=parts["key"],
    )


def _int(text):
    return int(text) if text else None


def field_cell(field_id: int, arm_id: int | None = None) -> str:
    return f"f{field_id}:a{arm_id}" if arm_id else f"f{field_id}"


def arm_cell(outcome_id: int, arm_id: int, key: str) -> str:
    return f"o{outcome_id}:a{arm_id}:{key}"


def comparison_cell(outcome_id: int, comparison_id: int, key: str) -> str:
    return f"o{outcome_id}:c{comparison_id}:{key}"


def number_spec(kind: str, key: str, *, per_comparison: bool) -> NumberSpec:
    """The spec of one outcome number; ValidationError when this outcome type has no such number."""
    specs = (COMPARISON_NUMBERS if per_comparison else ARM_NUMBERS).get(kind, [])
    for spec in specs:
        if spec.key == key:
            return spec
    where = "comparison" if per_comparison else "arm"
    raise ValidationError({"cell": f"A {OutcomeKind(kind).label} outcome has no “{key}” per {where}."})


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _number(raw, label: str) -> float:
    if isinstance(raw, bool):
        raise ValidationError(f"{label} must be a number.")
    try:
        value = float(str(raw).strip()) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise ValidationError(f"{label} must be a number, not “{raw}”.") from None
    if not math.isfinite(value):
        raise ValidationError(f"{label} must be a finite number.")
    return value


def clean_number(spec: NumberSpec, raw):
    """A validated outcome number (int for counts), or None for an empty cell."""
    if _blank(raw):
        return None
    value = _number(raw, spec.label)
    if spec.integer:
        if value != int(value):
            raise ValidationError(f"{spec.label} must be a whole number.")
        value = int(value)
    if spec.positive and value <= 0:
        raise ValidationError(f"{spec.label} must be greater than 0.")
    if spec.non_negative and value < 0:
        raise ValidationError(f"{spec.label} cannot be negative.")
    return value


YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def clean_field_value(*, kind: str, name: str, choices: list, raw):
    """A validated value of a form field (text, number, choice or yes/no), or None for an empty cell."""
    if _blank(raw):
        return None
    if kind == FieldKind.NUMBER:
        return _number(raw, name)
    if kind == FieldKind.YES_NO:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValidationError(f"{name} is yes or no, not “{raw}”.")
    text = str(raw).strip()
    if len(text) > 2000:
        raise ValidationError(f"{name} is limited to 2000 characters.")
    if kind == FieldKind.CHOICE:
        by_lower = {str(choice).lower(): choice for choice in choices}
        if text.lower() not in by_lower:
            raise ValidationError(f"{name} is one of: {', '.join(map(str, choices))}.")
        return by_lower[text.lower()]
    return text


def check_against_siblings(key: str, value, siblings: dict) -> None:
    """Rules between the numbers of one arm or comparison: events ≤ total, lower < HR < upper."""
    if value is None:
        return
    for small, large in COUNT_PAIRS:
        if key == small and siblings.get(large) is not None and value > siblings[large]:
            raise ValidationError(f"{value} exceeds the {large} of this arm ({siblings[large]}).")
        if key == large and siblings.get(small) is not None and siblings[small] > value:
            raise ValidationError(f"The {small} of this arm ({siblings[small]}) exceed {value}.")
    lower, hr, upper = siblings.get("hr_lower"), siblings.get("hr"), siblings.get("hr_upper")
    if key == "hr_lower":
        lower = value
    elif key == "hr":
        hr = value
    elif key == "hr_upper":
        upper = value
    else:
        return
    known = [v for v in (lower, hr, upper) if v is not None]
    if known != sorted(known) or len(set(known)) != len(known):
        raise ValidationError("The 95% CI must satisfy lower < hazard ratio < upper.")


SD_ENTRY = re.compile(
    r"^\s*(?P<how>se|ci)\b\s*[:=]?\s*(?P<a>[-+]?[\d.]+(?:e[-+]?\d+)?)"
    r"(?:\s*(?:,|;|to|–|—|-|\s)\s*(?P<b>[-+]?[\d.]+(?:e[-+]?\d+)?))?\s*$",
    re.IGNORECASE,
)


def parse_sd_entry(raw) -> tuple[str, list[float]] | None:
    """("se", [se]) or ("ci", [lower, upper]) for an SD cell typed as “se 0.5” or “ci 1.2 3.4”."""
    if not isinstance(raw, str):
        return None
    match = SD_ENTRY.match(raw)
    if not match:
        return None
    how = match["how"].lower()
    numbers = [float(match["a"])] + ([float(match["b"])] if match["b"] else [])
    if how == "se" and len(numbers) != 1:
        raise ValidationError("Type “se” and one standard error, e.g. “se 0.42”.")
    if how == "ci" and len(numbers) != 2:
        raise ValidationError("Type “ci” and the two limits of the 95% CI of the mean, e.g. “ci 1.2 3.4”.")
    return how, numbers


def sd_from_entry(*, how: str, numbers: list[float], n) -> tuple[float, dict]:
    """SD from the SE of a mean or its 95% CI, and the record of how (formula and inputs).

    SE: SD = SE × √n. CI: SD = √n × (upper − lower) / (2 × q), with q = 1.96 when
    n ≥ 60 and the t quantile t(0.975, n − 1) below, as the Cochrane Handbook (6.5.2.2) advises.
    """
    if n is None:
        raise ValidationError("Enter n for this arm first: the SD is computed from it.")
    if how == "se":
        (se,) = numbers
        if se <= 0:
            raise ValidationError("The standard error must be greater than 0.")
        sd = se * math.sqrt(n)
        return sd, {"entered_as": "se", "se": se, "n": n, "formula": f"SD = SE × √n = {se:g} × √{n}"}
    lower, upper = numbers
    if not lower < upper:
        raise ValidationError("The 95% CI must have lower < upper.")
    if n < SMALL_SAMPLE:
        if n < 2:
            raise ValidationError("A CI gives no SD for n < 2.")
        q, q_text = float(stats.t.ppf(0.975, n - 1)), f"t(0.975, {n - 1}) = {stats.t.ppf(0.975, n - 1):.4f}"
    else:
        q, q_text = CI_NORMAL_QUANTILE, "1.96"
    sd = math.sqrt(n) * (upper - lower) / (2 * q)
    formula = f"SD = √n × (upper − lower) / (2 × {q_text}) = √{n} × ({upper:g} − {lower:g}) / {2 * q:.4f}"
    return sd, {"entered_as": "ci", "ci_lower": lower, "ci_upper": upper, "n": n, "formula": formula}
