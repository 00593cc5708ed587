"""Every pooling case computed by R metafor, checked number by number (relative 1e-6)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from analysis.engine import run_pooled_analysis

DATA = Path(__file__).parent / "data"
RTOL, ATOL = 1e-6, 1e-9


def _cases(name: str) -> list[dict]:
    cases = json.loads((DATA / name).read_text())
    return [c for c in cases if c["options"].get("model") != "cox"]


def _compare(expected, got, where: str, problems: list[str]) -> None:
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            problems.append(f"{where}: expected an object, got {got!r}")
            return
        for key, value in expected.items():
            if key not in got:
                problems.append(f"{where}.{key}: missing")
            else:
                _compare(value, got[key], f"{where}.{key}", problems)
    elif isinstance(expected, int | float) and not isinstance(expected, bool):
        if not isinstance(got, int | float) or not math.isclose(got, expected, rel_tol=RTOL, abs_tol=ATOL):
            problems.append(f"{where}: expected {expected!r}, got {got!r}")


def _run(case: dict) -> dict:
    options = case["options"]
    return run_pooled_analysis(
        case["data"],
        measure=options["measure"],
        method=options["method"],
        test=options.get("test", "z"),
        subgroup=options.get("subgroup"),
        mods=options.get("mods"),
        egger=options.get("egger", False),
    )


@pytest.mark.parametrize("case", _cases("metafor_cases.json"), ids=lambda c: c["id"])
def test_shared_reference_case(case):
    problems: list[str] = []
    _compare(case["expected"], _run(case), case["id"], problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", _cases("extra_cases.json"), ids=lambda c: c["id"])
def test_extra_reference_case(case):
    problems: list[str] = []
    _compare(case["expected"], _run(case), case["id"], problems)
    assert not problems, "\n".join(problems)


def test_every_shared_pooling_case_is_tested():
    assert len(_cases("metafor_cases.json")) == 26


@pytest.mark.parametrize("case", _cases("metafor_cases.json")[:3], ids=lambda c: c["id"])
def test_result_is_strict_json(case):
    json.dumps(_run(case), allow_nan=False)
