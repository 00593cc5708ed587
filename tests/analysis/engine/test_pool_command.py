"""The ``manage.py pool`` command on a CSV written to a temporary directory."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from django.core.management import CommandError, call_command

from tests.analysis.engine.reference_data import bcg_trials

ROWS = bcg_trials()[:6]


@pytest.fixture
def data_csv(tmp_path):
    path = tmp_path / "studies.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS)
    return path


def _run(*args) -> str:
    out = io.StringIO()
    call_command("pool", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_json_output_has_the_reference_keys(data_csv):
    result = json.loads(_run(data_csv, "--measure", "RR", "--method", "REML", "--format", "json"))
    for key in ("k", "estimate", "se", "ci_lower", "ci_upper", "pval", "q", "q_pval", "tau2", "i2", "h2"):
        assert key in result
    assert result["k"] == 6
    assert result["tau2_ci_lower"] <= result["tau2"] <= result["tau2_ci_upper"]
    assert result["summary"]["estimate"] == pytest.approx(math.exp(result["estimate"]))
    assert [s["study"] for s in result["studies"]] == [r["study"] for r in ROWS]


def test_subgroups_moderators_and_egger_in_json(data_csv):
    result = json.loads(
        _run(
            data_csv,
            "--measure",
            "OR",
            "--method",
            "DL",
            "--subgroup",
            "alloc",
            "--egger",
            "--format",
            "json",
        )
    )
    assert set(result["subgroups"]) == {"alternate", "random"}
    assert result["df_between"] == 1
    assert set(result["egger"]) >= {"statistic", "df", "pval"}
    regression = json.loads(
        _run(data_csv, "--measure", "RR", "--method", "REML", "--mods", "ablat", "--format", "json")
    )
    assert set(regression["moderators"]) == {"intercept", "ablat"}
    assert "qm_pval" in regression and "r2" in regression


def test_text_table_is_the_default(data_csv):
    text = _run(data_csv, "--measure", "RR", "--method", "MH")
    assert "Pooled estimate" in text
    assert "Aronson 1948" in text
    assert "Heterogeneity: Q =" in text
    assert "risk ratio" in text


def test_level_option_widens_the_interval(data_csv):
    narrow = json.loads(_run(data_csv, "--measure", "RR", "--method", "FE", "--format", "json"))
    wide = json.loads(
        _run(data_csv, "--measure", "RR", "--method", "FE", "--level", "99", "--format", "json")
    )
    assert wide["ci_upper"] - wide["ci_lower"] > narrow["ci_upper"] - narrow["ci_lower"]


def test_bad_data_is_a_command_error_naming_the_study(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("study,yi,vi\nA,0.1,0.01\nB,0.2,-0.02\n")
    with pytest.raises(CommandError, match="'B'.*negative"):
        _run(path, "--measure", "GEN", "--method", "REML")


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        _run(tmp_path / "absent.csv", "--measure", "OR", "--method", "FE")
