"""The arm data columns of a forest plot (events/total, mean (SD), O-E and V) from the study rows."""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass

from analysis.engine.io import detect_input_kind, study_label


@dataclass(frozen=True)
class DataColumn:
    """One column of arm data: its header, the arm it belongs to (or ''), and how to fill it."""

    header: str
    group: str


def _value(row: dict, column: str) -> float | None:
    value = row.get(column)
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _count(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"


def _mean(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _fraction(events: float | None, total: float | None) -> str:
    if events is None and total is None:
        return ""
    return f"{_count(events)}/{_count(total)}"


def _sum(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


class ArmData:
    """Cells of the arm columns for each study, and their sums for subtotal and total rows."""

    def __init__(self, rows: list[dict], measure: str):
        self.kind = self._kind(rows, measure)
        self.columns = COLUMNS.get(self.kind, [])
        # Studies are matched to their rows by label, in order, as the engine names them.
        self._by_label: dict[str, deque] = defaultdict(deque)
        for index, row in enumerate(rows):
            self._by_label[study_label(row, index)].append(row)

    @staticmethod
    def _kind(rows: list[dict], measure: str) -> str | None:
        if not rows:
            return None
        try:
            return detect_input_kind(rows[0].keys(), measure)
        except Exception:  # unknown columns: the plot simply has no arm data
            return None

    def row_for(self, study: str) -> dict | None:
        """The input row of a study (each row used once, in order, for repeated labels)."""
        queue = self._by_label.get(study)
        return queue.popleft() if queue else None

    def cells(self, row: dict | None) -> list[str]:
        if row is None or not self.columns:
            return [""] * len(self.columns)
        return CELLS[self.kind](row)

    def sum_cells(self, rows: list[dict | None]) -> list[str]:
        """Totals of the counts of the rows (events and sizes add up; means and O-E do not)."""
        rows = [r for r in rows if r is not None]
        if not rows or self.kind not in SUMS:
            return [""] * len(self.columns)
        return SUMS[self.kind](rows)


def _two_by_two(row: dict) -> list[str]:
    ai, bi, ci, di = (_value(row, c) for c in ("ai", "bi", "ci", "di"))
    n1 = None if ai is None or bi is None else ai + bi
    n2 = None if ci is None or di is None else ci + di
    return [_fraction(ai, n1), _fraction(ci, n2)]


def _two_by_two_sum(rows: list[dict]) -> list[str]:
    ai, bi, ci, di = (_sum([_value(r, c) for r in rows]) for c in ("ai", "bi", "ci", "di"))
    n1 = None if ai is None or bi is None else ai + bi
    n2 = None if ci is None or di is None else ci + di
    return [_fraction(ai, n1), _fraction(ci, n2)]


def _totals(row: dict) -> list[str]:
    return [
        _fraction(_value(row, "ai"), _value(row, "n1i")),
        _fraction(_value(row, "ci"), _value(row, "n2i")),
    ]


def _totals_sum(rows: list[dict]) -> list[str]:
    return [
        _fraction(*(_sum([_value(r, c) for r in rows]) for c in ("ai", "n1i"))),
        _fraction(*(_sum([_value(r, c) for r in rows]) for c in ("ci", "n2i"))),
    ]


def _means(row: dict) -> list[str]:
    cells = []
    for arm in ("1", "2"):
        mean, sd, n = (_value(row, f"{c}{arm}i") for c in ("m", "sd", "n"))
        cells += [f"{_mean(mean)} ({_mean(sd)})" if mean is not None else "", _count(n)]
    return cells


def _means_sum(rows: list[dict]) -> list[str]:
    return ["", _count(_sum([_value(r, "n1i") for r in rows]))] + [
        "",
        _count(_sum([_value(r, "n2i") for r in rows])),
    ]


def _proportion(row: dict) -> list[str]:
    return [_fraction(_value(row, "xi"), _value(row, "ni"))]


def _proportion_sum(rows: list[dict]) -> list[str]:
    return [_fraction(*(_sum([_value(r, c) for r in rows]) for c in ("xi", "ni")))]


def _logrank(row: dict) -> list[str]:
    o_minus_e, v = _value(row, "o_minus_e"), _value(row, "v")
    return ["" if o_minus_e is None else f"{o_minus_e:.2f}", "" if v is None else f"{v:.2f}"]


def _logrank_sum(rows: list[dict]) -> list[str]:
    return [
        f"{_sum([_value(r, 'o_minus_e') for r in rows]) or 0:.2f}",
        f"{_sum([_value(r, 'v') for r in rows]) or 0:.2f}",
    ]


EXPERIMENTAL, CONTROL = "Experimental", "Control"
COLUMNS = {
    "2x2": [DataColumn("Events/Total", EXPERIMENTAL), DataColumn("Events/Total", CONTROL)],
    "2x2_totals": [DataColumn("Events/Total", EXPERIMENTAL), DataColumn("Events/Total", CONTROL)],
    "means": [
        DataColumn("Mean (SD)", EXPERIMENTAL),
        DataColumn("N", EXPERIMENTAL),
        DataColumn("Mean (SD)", CONTROL),
        DataColumn("N", CONTROL),
    ],
    "proportion": [DataColumn("Events/Total", "")],
    "logrank": [DataColumn("O-E", ""), DataColumn("V", "")],
}
CELLS = {
    "2x2": _two_by_two,
    "2x2_totals": _totals,
    "means": _means,
    "proportion": _proportion,
    "logrank": _logrank,
}
SUMS = {
    "2x2": _two_by_two_sum,
    "2x2_totals": _totals_sum,
    "means": _means_sum,
    "proportion": _proportion_sum,
    "logrank": _logrank_sum,
}
