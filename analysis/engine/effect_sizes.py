"""Effect sizes and their sampling variances, as metafor's ``escalc`` defines them.

The kind of input is read from the columns present (see ``io.detect_input_kind``).
Rows with a missing value are dropped with a warning; impossible values
(negative counts or variances, events above the group size) raise an
``InputError`` naming the study.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln

from .constants import Z_975
from .errors import InputError
from .io import INPUT_COLUMNS, detect_input_kind, parse_number, study_label

RATIO_MEASURES = ("OR", "RR", "HR")
TWO_BY_TWO_MEASURES = ("OR", "RR", "RD")
MEAN_MEASURES = ("MD", "SMD")
PROPORTION_MEASURES = ("PR", "PLO", "PAS", "PFT")
MEASURES = (*TWO_BY_TWO_MEASURES, *MEAN_MEASURES, *PROPORTION_MEASURES, "HR", "GEN")


# Which measures each kind of input can give.
MEASURES_BY_KIND = {
    "2x2": TWO_BY_TWO_MEASURES,
    "2x2_totals": TWO_BY_TWO_MEASURES,
    "means": MEAN_MEASURES,
    "proportion": PROPORTION_MEASURES,
    "yi_vi": MEASURES,
    "yi_sei": MEASURES,
    "ratio_ci": (*RATIO_MEASURES, "MD", "GEN"),
    "logrank": ("HR", "GEN"),
}


@dataclass
class EffectSizes:
    """Effect sizes ``yi`` with variances ``vi``, one per study kept, on the analysis scale."""

    measure: str
    input_kind: str
    studies: list[str]
    yi: np.ndarray
    vi: np.ndarray
    rows: list[dict]  # the input rows behind yi (for subgroups and moderators)
    sample_sizes: np.ndarray | None = None  # n per study pooled
    # n of every row that gives one, for the PFT back-transformation: the reference
    # (transf.ipft.hm with targs = list(ni = data$ni)) takes the harmonic mean over the data set
    all_sample_sizes: np.ndarray | None = None
    # Uncorrected 2×2 counts of every complete table, double-zero ones included,
    # because Mantel-Haenszel and Peto count them in k (metafor's drop00 = c(TRUE, FALSE)).
    tables: dict[str, np.ndarray] | None = None
    table_has_effect: np.ndarray | None = None  # which tables have an effect size (not double-zero)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def k(self) -> int:
        return int(self.yi.size)

    @property
    def sei(self) -> np.ndarray:
        return np.sqrt(self.vi)


def compute_effect_sizes(rows: list[dict], measure: str, *, input_kind: str | None = None) -> EffectSizes:
    """Compute ``yi, vi`` for every row from whichever input columns are present."""
    measure = measure.upper()
    if measure not in MEASURES:
        raise InputError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")
    if not rows:
        raise InputError("the data has no rows")
    kind = input_kind or detect_input_kind(rows[0].keys(), measure)
    if measure not in MEASURES_BY_KIND[kind]:
        raise InputError(
            f"measure {measure} cannot be computed from {kind} input (columns {', '.join(INPUT_COLUMNS[kind])})"
        )
    values, kept_rows, labels, warnings = _complete_rows(rows, kind)
    if not kept_rows:
        raise InputError("no study has complete data: " + "; ".join(warnings[:3]))
    compute = _COMPUTE[kind]
    result = compute(values, labels, measure)
    result.input_kind = kind
    result.warnings = warnings + result.warnings
    keep = result.rows  # indices into kept_rows chosen by the computation
    result.rows = [kept_rows[i] for i in keep]
    if kind == "proportion":
        sizes = [
            parse_number(row.get("ni"), column="ni", study=study_label(row, i)) for i, row in enumerate(rows)
        ]
        result.all_sample_sizes = np.asarray([n for n in sizes if n is not None and n > 0], dtype=float)
    return result


def _complete_rows(rows: list[dict], kind: str):
    """Numbers of the input columns per row; rows with a missing value are dropped with a warning."""
    columns = INPUT_COLUMNS[kind]
    if kind == "2x2_totals":
        columns = ("ai", "n1i", "ci", "n2i")
    values: dict[str, list[float]] = {c: [] for c in columns}
    kept_rows, labels, warnings = [], [], []
    for index, row in enumerate(rows):
        label = study_label(row, index)
        numbers = {c: parse_number(row.get(c), column=c, study=label) for c in columns}
        if kind == "2x2":
            # as escalc's replmiss: a missing non-event count follows from the arm's total
            for cell, total, events in (("bi", "n1i", "ai"), ("di", "n2i", "ci")):
                n = parse_number(row.get(total), column=total, study=label)
                if numbers[cell] is None and n is not None and numbers[events] is not None:
                    numbers[cell] = n - numbers[events]
        missing = [c for c, v in numbers.items() if v is None]
        if missing:
            warnings.append(f"study '{label}' dropped: missing value in {', '.join(missing)}")
            continue
        for c in columns:
            values[c].append(numbers[c])
        kept_rows.append(row)
        labels.append(label)
    arrays = {c: np.asarray(v, dtype=float) for c, v in values.items()}
    return arrays, kept_rows, labels, warnings


def _first_bad(mask: np.ndarray, labels: list[str], message: str) -> None:
    """Raise an InputError for the first study where mask is True."""
    bad = np.flatnonzero(mask)
    if bad.size:
        raise InputError(message, study=labels[int(bad[0])])


def _two_by_two(values: dict, labels: list[str], measure: str) -> EffectSizes:
    """OR, RR or RD from 2×2 counts; 0.5 added to every cell of tables with a zero cell (to="only0")."""
    ai, ci = values["ai"], values["ci"]
    if "bi" in values:
        bi, di = values["bi"], values["di"]
    else:
        n1, n2 = values["n1i"], values["n2i"]
        _first_bad((ai > n1) | (ci > n2), labels, "more events than participants in an arm")
        bi, di = n1 - ai, n2 - ci
    _first_bad((ai < 0) | (bi < 0) | (ci < 0) | (di < 0), labels, "counts must not be negative")
    _first_bad((ai + bi == 0) | (ci + di == 0), labels, "an arm has no participants")
    tables = {"ai": ai, "bi": bi, "ci": ci, "di": di}
    # metafor's drop00: a table with no events (or only events) in both arms says
    # nothing about a relative effect; drop it from the effect sizes.
    double_zero = ((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0))
    notes = [
        f"study '{labels[i]}' dropped: no events in either arm"
        if ai[i] == 0
        else f"study '{labels[i]}' dropped: every participant had the event in both arms"
        for i in np.flatnonzero(double_zero)
    ]
    keep = ~double_zero
    a, b, c, d = ai[keep], bi[keep], ci[keep], di[keep]
    zero_cell = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    if zero_cell.any():
        a, b, c, d = (x + 0.5 * zero_cell for x in (a, b, c, d))
        notes.append(
            f"0.5 added to every cell of {int(zero_cell.sum())} table(s) with a zero cell: "
            + ", ".join(labels[i] for i in np.flatnonzero(keep)[zero_cell])
        )
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    if measure == "OR":
        yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
        vi = 1 / a + 1 / b + 1 / c + 1 / d
    elif measure == "RR":
        yi = np.log(p1) - np.log(p2)
        vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
    else:  # RD, vtype "LS"
        yi = p1 - p2
        vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    indices = np.flatnonzero(keep)
    return EffectSizes(
        measure=measure,
        input_kind="",
        studies=[labels[i] for i in indices],
        yi=yi,
        vi=vi,
        rows=list(indices),
        tables=tables,
        table_has_effect=keep,
        notes=notes,
    )


def hedges_correction(m: np.ndarray) -> np.ndarray:
    """Exact small-sample correction c(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2)) (metafor's .cmicalc)."""
    return np.exp(gammaln(m / 2) - np.log(np.sqrt(m / 2)) - gammaln((m - 1) / 2))


def _means(values: dict, labels: list[str], measure: str) -> EffectSizes:
    """MD (unequal variances) or SMD (Hedges' g, exact correction, vtype "LS") from group means."""
    m1, sd1, n1 = values["m1i"], values["sd1i"], values["n1i"]
    m2, sd2, n2 = values["m2i"], values["sd2i"], values["n2i"]
    _first_bad((sd1 < 0) | (sd2 < 0), labels, "standard deviations must not be negative")
    _first_bad((n1 <= 0) | (n2 <= 0), labels, "group sizes must be positive")
    if measure == "MD":
        yi = m1 - m2
        vi = sd1**2 / n1 + sd2**2 / n2
    else:
        m = n1 + n2 - 2
        _first_bad(m <= 1, labels, "the SMD needs more than 3 participants in total")
        sd_pooled = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / m)
        _first_bad(sd_pooled == 0, labels, "the pooled standard deviation is zero")
        yi = hedges_correction(m) * (m1 - m2) / sd_pooled
        vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
    return EffectSizes(measure, "", list(labels), yi, vi, list(range(len(labels))))


def _proportion(values: dict, labels: list[str], measure: str) -> EffectSizes:
    """PR, PLO, PAS or PFT from events xi out of ni (0.5 added to 0 or n responders for PR, PLO)."""
    xi, ni = values["xi"], values["ni"]
    _first_bad((xi < 0) | (ni <= 0), labels, "events must be >= 0 and the sample size > 0")
    _first_bad(xi > ni, labels, "more events than participants")
    notes = []
    if measure in ("PR", "PLO"):
        zero = (xi == 0) | (xi == ni)
        x = xi + 0.5 * zero
        n = ni + 1.0 * zero
        if zero.any():
            notes.append(
                "0.5 added to the events and non-events of "
                + ", ".join(labels[i] for i in np.flatnonzero(zero))
                + " (0 or all participants with the event)"
            )
        p = x / n
        if measure == "PR":
            yi, vi = p, p * (1 - p) / n
        else:
            yi, vi = np.log(p / (1 - p)), 1 / x + 1 / (n - x)
    elif measure == "PAS":
        yi, vi = np.arcsin(np.sqrt(xi / ni)), 1 / (4 * ni)
    else:  # PFT, Freeman-Tukey double arcsine
        yi = 0.5 * (np.arcsin(np.sqrt(xi / (ni + 1))) + np.arcsin(np.sqrt((xi + 1) / (ni + 1))))
        vi = 1 / (4 * ni + 2)
    return EffectSizes(
        measure, "", list(labels), yi, vi, list(range(len(labels))), sample_sizes=ni, notes=notes
    )


def _given_effect(values: dict, labels: list[str], measure: str) -> EffectSizes:
    """Effects already on the analysis scale: ``yi, vi`` or ``yi, sei``."""
    yi = values["yi"]
    if "vi" in values:
        vi = values["vi"]
        _first_bad(vi < 0, labels, "negative sampling variance (vi)")
    else:
        sei = values["sei"]
        _first_bad(sei < 0, labels, "negative standard error (sei)")
        vi = sei**2
    return EffectSizes(measure, "", list(labels), yi, vi, list(range(len(labels))))


def _ratio_with_ci(values: dict, labels: list[str], measure: str) -> EffectSizes:
    """A ratio (or a difference) with its 95% CI: log scale for ratios, se = width / (2 · Z_975)."""
    estimate, lower, upper = values["estimate"], values["ci_lower"], values["ci_upper"]
    _first_bad(lower > upper, labels, "the lower CI limit is above the upper one")
    outside = np.flatnonzero((estimate < lower) | (estimate > upper))
    warnings = [f"study '{labels[i]}': the estimate lies outside its confidence interval" for i in outside]
    if measure in RATIO_MEASURES:
        _first_bad((estimate <= 0) | (lower <= 0), labels, "a ratio and its CI limits must be positive")
        yi = np.log(estimate)
        sei = (np.log(upper) - np.log(lower)) / (2 * Z_975)
    else:
        yi = estimate
        sei = (upper - lower) / (2 * Z_975)
    _first_bad(sei == 0, labels, "the CI has zero width, so the variance would be zero")
    return EffectSizes(
        measure,
        "",
        list(labels),
        yi,
        sei**2,
        list(range(len(labels))),
        warnings=warnings,
        notes=["standard errors derived from 95% confidence intervals"],
    )


def _log_rank(values: dict, labels: list[str], measure: str) -> EffectSizes:
    """Log hazard ratio from the log-rank O - E and its variance V: yi = (O-E)/V, vi = 1/V."""
    o_minus_e, v = values["o_minus_e"], values["v"]
    _first_bad(v <= 0, labels, "the log-rank variance V must be positive")
    return EffectSizes(measure, "", list(labels), o_minus_e / v, 1 / v, list(range(len(labels))))


_COMPUTE = {
    "2x2": _two_by_two,
    "2x2_totals": _two_by_two,
    "means": _means,
    "proportion": _proportion,
    "yi_vi": _given_effect,
    "yi_sei": _given_effect,
    "ratio_ci": _ratio_with_ci,
    "logrank": _log_rank,
}


def back_transform(measure: str, values, sample_sizes: np.ndarray | None = None):
    """Values on the analysis scale back on the reported scale (exp, inverse logit, ...).

    PFT uses metafor's ``transf.ipft.hm``: the inverse Freeman-Tukey transformation
    at the harmonic mean of the sample sizes.
    """
    x = np.asarray(values, dtype=float)
    if measure in RATIO_MEASURES:
        out = np.exp(x)
    elif measure == "PLO":
        out = 1 / (1 + np.exp(-x))
    elif measure == "PAS":
        out = np.where(x < 0, 0.0, np.where(x > math.asin(1), 1.0, np.sin(x) ** 2))
    elif measure == "PFT":
        n = 1 / np.mean(1 / np.asarray(sample_sizes, dtype=float))
        out = _inverse_freeman_tukey(x, n)
    else:
        out = x
    return out


def _freeman_tukey(p: float, n: float) -> float:
    """metafor's transf.pft for one proportion p and sample size n."""
    x = p * n
    return 0.5 * (math.asin(math.sqrt(x / (n + 1))) + math.asin(math.sqrt((x + 1) / (n + 1))))


def _inverse_freeman_tukey(x: np.ndarray, n: float) -> np.ndarray:
    """metafor's transf.ipft (Miller 1978) at sample size n, clipped to [0, 1]."""
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sin(2 * x)
        z = 0.5 * (1 - np.sign(np.cos(2 * x)) * np.sqrt(1 - (s + (s - 1 / s) / n) ** 2))
    z = np.where(x > _freeman_tukey(1.0, n), 1.0, z)
    z = np.where(x < _freeman_tukey(0.0, n), 0.0, z)
    return z
