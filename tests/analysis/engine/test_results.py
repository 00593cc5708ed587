"""The engine's typed results: every stored shape reads back into types and writes out unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.engine import (
    CoxResult,
    PooledResult,
    SmallStudyTest,
    analyse_ipd,
    json_safe,
    pooled_analysis,
    run_pooled_analysis,
    two_stage,
)
from tests.analysis.engine.reference_data import bcg_trials

DATA = Path(__file__).parent / "data"
POOLING_CASES = [
    case
    for name in ("metafor_cases.json", "extra_cases.json")
    for case in json.loads((DATA / name).read_text())
    if case["options"].get("model") not in ("cox", "nma")
]


def _options(case: dict) -> dict:
    options = case["options"]
    return {
        "measure": options["measure"],
        "method": options["method"],
        "test": options.get("test", "z"),
        "subgroup": options.get("subgroup"),
        "mods": options.get("mods"),
        "egger": options.get("egger", False),
    }


@pytest.mark.parametrize("case", POOLING_CASES, ids=lambda c: c["id"])
def test_a_stored_result_reads_back_and_writes_out_byte_for_byte(case):
    stored = run_pooled_analysis(case["data"], leave_one_out_analysis=True, **_options(case))
    typed = PooledResult.from_json(stored)
    assert json.dumps(typed.to_json()) == json.dumps(stored)  # same keys, same order, same numbers
    assert PooledResult.from_json(typed.to_json()) == typed


@pytest.mark.parametrize("case", POOLING_CASES, ids=lambda c: c["id"])
def test_the_typed_result_is_the_json_result(case):
    typed = pooled_analysis(case["data"], **_options(case))
    assert json.dumps(typed.to_json()) == json.dumps(run_pooled_analysis(case["data"], **_options(case)))


def test_readers_get_attributes_for_every_part():
    result = pooled_analysis(bcg_trials(), "RR", "REML", subgroup="alloc", egger=True)
    assert result.k == 13 and result.measure == "RR"
    assert result.summary.estimate == pytest.approx(2.718281828**result.estimate)
    assert [s.study for s in result.studies][:1] == ["Aronson 1948"]
    assert sum(s.weight for s in result.studies) == pytest.approx(100)
    assert set(result.subgroups.levels) == {"alternate", "random", "systematic"}
    assert result.subgroups.levels["random"].tau2 is not None
    assert isinstance(result.egger, SmallStudyTest) and result.egger.df == 11
    regression = pooled_analysis(bcg_trials(), "RR", "REML", mods=["ablat"]).regression
    assert set(regression.moderators) == {"intrcpt", "ablat"} or set(regression.moderators) == {
        "intercept",
        "ablat",
    }
    assert regression.moderators["ablat"].pval < 0.01


def test_a_two_stage_result_keeps_its_per_trial_rows_and_sources():
    rows = []
    for trial in ("T1", "T2", "T3"):
        for i in range(40):
            arm = "treated" if i % 2 else "control"
            rows.append(
                {
                    "trial": trial,
                    "arm": arm,
                    "time": 1 + (i * 7919 + len(trial)) % 97,
                    "event": int(i % 3 != 0),
                }
            )
    stored = two_stage(
        pd.DataFrame(rows), time="time", event="event", treatment="arm", control="control", trial="trial"
    )
    typed = PooledResult.from_json(stored)
    assert typed.to_json() == stored
    assert [s.extra["source"] for s in typed.studies] == ["IPD", "IPD", "IPD"]
    assert len(typed.extra["per_trial"]) == 3


COX_CASES = [
    case
    for name in ("metafor_cases.json", "survival_cases.json")
    for case in json.loads((DATA / name).read_text())
    if case["options"].get("model") == "cox"
]


@pytest.mark.parametrize("case", COX_CASES, ids=lambda c: c["id"])
def test_a_cox_result_reads_back_and_writes_out_byte_for_byte(case):
    options = case["options"]
    stored = json_safe(
        analyse_ipd(
            pd.DataFrame(case["data"]),
            time=options["time"],
            event=options["event"],
            treatment=options["treatment"],
            control=options.get("control"),
            strata=options.get("strata"),
            interaction=options.get("interaction"),
            km_times=options.get("km_times") or (),
        )
    )
    typed = CoxResult.from_json(stored)
    assert json.dumps(typed.to_json()) == json.dumps(stored)
    assert typed.n == stored["n"] and typed.comparisons[0].hr == stored["comparisons"][0]["hr"]
    assert [curve.treatment for curve in typed.km_curves] == [c["treatment"] for c in stored["km_curves"]]
    assert typed.logrank.pval == stored["logrank"]["pval"]


# `manage.py pool/ipd --format json` of the shared reference cases, saved before the engine's
# results had types: the JSON stored in AnalysisResult.numbers since then must keep this form.
STORED = json.loads((DATA / "stored_results.json").read_text())
REFERENCE = {case["id"]: case for case in json.loads((DATA / "metafor_cases.json").read_text())}


def _same_shape(stored, now, where=""):
    """Same keys in the same order, same types, numbers equal to 1e-12 (CSV and JSON input may round)."""
    if isinstance(stored, dict):
        assert isinstance(now, dict) and list(now) == list(stored), where
        for key in stored:
            _same_shape(stored[key], now[key], f"{where}.{key}")
    elif isinstance(stored, list):
        assert isinstance(now, list) and len(now) == len(stored), where
        for i, (a, b) in enumerate(zip(stored, now, strict=True)):
            _same_shape(a, b, f"{where}[{i}]")
    elif isinstance(stored, float):
        assert now == pytest.approx(stored, rel=1e-12, abs=1e-15), where
    else:
        assert now == stored, where


@pytest.mark.parametrize("case_id", sorted(STORED), ids=str)
def test_results_stored_before_types_read_back_and_write_out_unchanged(case_id):
    stored = STORED[case_id]
    reader = CoxResult if REFERENCE[case_id]["options"].get("model") == "cox" else PooledResult
    assert json.dumps(reader.from_json(stored).to_json(), indent=2) == json.dumps(stored, indent=2)


@pytest.mark.parametrize(
    "case_id", sorted(k for k in STORED if REFERENCE[k]["options"].get("model") != "cox")
)
def test_the_engine_still_writes_the_stored_form(case_id):
    case = REFERENCE[case_id]
    _same_shape(STORED[case_id], run_pooled_analysis(case["data"], **_options(case)), case_id)
