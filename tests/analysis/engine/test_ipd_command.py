"""``manage.py ipd``: the command-line contract of /work/shared/reference/README.md."""

from __future__ import annotations

import csv
import json
import math
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

DATA = Path(__file__).parent / "data"


def veteran_case() -> dict:
    cases = json.loads((DATA / "metafor_cases.json").read_text())
    return next(case for case in cases if case["id"] == "veteran_cox_strata")


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_ipd(*args: str) -> str:
    out = StringIO()
    call_command("ipd", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def veteran_csv(tmp_path) -> Path:
    return write_csv(tmp_path / "veteran.csv", veteran_case()["data"])


def test_json_output_matches_r_for_the_veteran_case(veteran_csv):
    case = veteran_case()
    options = case["options"]
    km_times = [str(t) for t in options["km_times"]]
    output = run_ipd(
        str(veteran_csv),
        *("--time", "time", "--event", "event", "--treatment", "treatment", "--control", "standard"),
        *("--strata", "trial", "--km-times", *km_times, "--format", "json"),
    )
    result = json.loads(output)
    for key, expected in case["expected"].items():
        if key != "km":
            assert math.isclose(result[key], expected, rel_tol=1e-6), key
    by_key = {(row["treatment"], row["time"]): row for row in result["km"]}
    for row in case["expected"]["km"]:
        got = by_key[(row["treatment"], float(row["time"]))]
        assert math.isclose(got["survival"], row["survival"], rel_tol=1e-6)
        assert got["surv"] == got["survival"]
        assert got["n_risk"] == row["n_risk"]
        assert got["lower"] < got["survival"] < got["upper"]
    assert result["logrank"]["df"] == 1 and 0 < result["logrank"]["pval"] < 1
    assert {curve["treatment"] for curve in result["km_curves"]} == {"standard", "test"}


def test_interaction_and_covariates_in_json(tmp_path):
    cases = json.loads((DATA / "survival_cases.json").read_text())
    case = next(case for case in cases if case["id"] == "veteran_full")
    path = write_csv(tmp_path / "vet.csv", case["data"])
    output = run_ipd(
        str(path),
        *("--time", "time", "--event", "event", "--treatment", "treatment", "--control", "standard"),
        *("--strata", "trial", "--interaction", "prior", "--covariates", "karno", "--format", "json"),
    )
    result = json.loads(output)
    expected = next(item for item in case["expected"]["interactions"] if item["covariate"] == "prior")
    assert math.isclose(result["interaction"]["pval"], expected["pval"], rel_tol=1e-6)
    assert [row["level"] for row in result["interaction"]["subgroups"]] == ["no", "yes"]
    assert [term["term"] for term in result["coefficients"]] == ["treatment=test", "karno"]


def test_text_output_is_a_readable_table(veteran_csv):
    output = run_ipd(
        str(veteran_csv),
        *("--time", "time", "--event", "event", "--treatment", "treatment", "--control", "standard"),
        *("--strata", "trial", "--km-times", "80"),
    )
    assert "Cox proportional hazards, efron ties, 4 stratum/strata: n = 137, events = 128" in output
    assert "treatment=test" in output and "1.184" in output
    assert "Log-rank test (stratified)" in output
    assert "Kaplan-Meier" in output and "0.5615" in output


def test_numeric_treatment_codes_match_the_control_given_as_text(tmp_path):
    rows = [
        {"t": t, "e": e, "arm": arm}
        for t, e, arm in [
            (5, 1, 1),
            (8, 0, 2),
            (3, 1, 1),
            (9, 1, 2),
            (12, 0, 1),
            (4, 1, 2),
            (7, 1, 1),
            (10, 1, 2),
        ]
    ]
    path = write_csv(tmp_path / "codes.csv", rows)
    result = json.loads(
        run_ipd(
            str(path),
            "--time",
            "t",
            "--event",
            "e",
            "--treatment",
            "arm",
            "--control",
            "1",
            "--format",
            "json",
        )
    )
    assert result["control"] == "1" and result["treatment"] == "2"


@pytest.mark.parametrize(
    ("rows", "options", "message"),
    [
        ([{"t": -1, "e": 1, "arm": "a"}, {"t": 2, "e": 1, "arm": "b"}], [], "negative"),
        ([{"t": 1, "e": 3, "arm": "a"}, {"t": 2, "e": 1, "arm": "b"}], [], "1 \\(event\\) or 0"),
        (
            [{"t": 1, "e": 1, "arm": "a"}, {"t": 2, "e": 1, "arm": "b"}],
            ["--control", "zzz"],
            "control level 'zzz'",
        ),
        (
            [{"t": 1, "e": 1, "arm": "a"}, {"t": 2, "e": 1, "arm": "b"}],
            ["--strata", "site"],
            "not found: site",
        ),
    ],
)
def test_bad_input_is_a_command_error_with_a_clear_message(tmp_path, rows, options, message):
    path = write_csv(tmp_path / "bad.csv", rows)
    arguments = ["--time", "t", "--event", "e", "--treatment", "arm"]
    if "--control" not in options:
        arguments += ["--control", "a"]
    with pytest.raises(CommandError, match=message):
        run_ipd(str(path), *arguments, *options)


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="file not found"):
        run_ipd(
            str(tmp_path / "nope.csv"), "--time", "t", "--event", "e", "--treatment", "arm", "--control", "a"
        )
