"""Small-study tests and the other optional parts of an analysis: a part that cannot be computed
for these studies is reported as not applicable (with the reason) and the rest of the analysis stands."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.engine import InputError, egger_test, run_pooled_analysis

# Continuous outcome, SD 2 and n 50 in every arm: every study has the same variance.
EQUAL_VARIANCES = [
    {"study": "Equal A 2001", "m1i": 5.0, "sd1i": 2, "n1i": 50, "m2i": 4.0, "sd2i": 2, "n2i": 50},
    {"study": "Equal B 2005", "m1i": 6.0, "sd1i": 2, "n1i": 50, "m2i": 4.5, "sd2i": 2, "n2i": 50},
    {"study": "Equal C 2010", "m1i": 5.5, "sd1i": 2, "n1i": 50, "m2i": 5.0, "sd2i": 2, "n2i": 50},
]


def test_egger_with_equal_variances_is_not_applicable_and_the_pooled_result_stands():
    result = run_pooled_analysis(EQUAL_VARIANCES, "MD", "REML", egger=True)
    assert "egger" not in result
    assert "same standard error" in result["not_applicable"]["egger"]
    plain = run_pooled_analysis(EQUAL_VARIANCES, "MD", "REML")
    assert result["estimate"] == pytest.approx(plain["estimate"], abs=1e-12)
    assert result["k"] == 3


def test_egger_with_fewer_than_three_studies_is_not_applicable_in_an_analysis():
    result = run_pooled_analysis(EQUAL_VARIANCES[:2], "MD", "FE", egger=True)
    assert "egger" not in result
    assert "at least 3 studies" in result["not_applicable"]["egger"]


def test_egger_test_itself_names_the_problem_with_equal_variances():
    with pytest.raises(InputError, match="same standard error"):
        egger_test(np.array([0.1, 0.2, 0.3]), np.array([0.04, 0.04, 0.04]))


def test_an_analysis_with_every_part_applicable_says_nothing_about_parts():
    rows = [{**row, "sd1i": 2 + i, "sd2i": 3} for i, row in enumerate(EQUAL_VARIANCES)]
    result = run_pooled_analysis(rows, "MD", "REML", egger=True)
    assert "not_applicable" not in result  # the stored JSON and `manage.py pool` output keep their fields
    assert set(result["egger"]) >= {"statistic", "df", "pval", "intercept", "slope"}
