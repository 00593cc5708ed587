"""Effect sizes as metafor's escalc computes them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.engine import InputError, back_transform, compute_effect_sizes, detect_input_kind
from analysis.engine.effect_sizes import Z_975, _freeman_tukey, hedges_correction

ARONSON = {"study": "Aronson 1948", "ai": 4, "bi": 119, "ci": 11, "di": 128}


def test_log_odds_ratio_and_variance_from_counts():
    es = compute_effect_sizes([ARONSON], "OR")
    assert es.yi[0] == pytest.approx(math.log(4 * 128 / (119 * 11)))
    assert es.vi[0] == pytest.approx(1 / 4 + 1 / 119 + 1 / 11 + 1 / 128)


def test_log_risk_ratio_from_events_and_totals_equals_full_table():
    full = compute_effect_sizes([ARONSON], "RR")
    totals = compute_effect_sizes([{"study": "A", "ai": 4, "n1i": 123, "ci": 11, "n2i": 139}], "RR")
    assert totals.input_kind == "2x2_totals"
    assert totals.yi[0] == pytest.approx(full.yi[0])
    assert totals.vi[0] == pytest.approx(1 / 4 - 1 / 123 + 1 / 11 - 1 / 139)


def test_risk_difference_uses_unpooled_binomial_variance():
    es = compute_effect_sizes([ARONSON], "RD")
    p1, p2 = 4 / 123, 11 / 139
    assert es.yi[0] == pytest.approx(p1 - p2)
    assert es.vi[0] == pytest.approx(p1 * (1 - p1) / 123 + p2 * (1 - p2) / 139)


def test_half_added_only_to_tables_with_a_zero_cell():
    rows = [ARONSON, {"study": "Zero", "ai": 0, "bi": 50, "ci": 3, "di": 47}]
    es = compute_effect_sizes(rows, "OR")
    assert es.yi[0] == pytest.approx(math.log(4 * 128 / (119 * 11)))
    assert es.yi[1] == pytest.approx(math.log(0.5 * 47.5 / (50.5 * 3.5)))
    assert any("0.5 added" in n and "Zero" in n for n in es.notes)
    # the uncorrected counts are kept for Mantel-Haenszel
    assert es.tables["ai"][1] == 0


def test_smd_is_hedges_g_with_exact_gamma_correction():
    row = {"study": "S", "m1i": 10.0, "sd1i": 2.0, "n1i": 12, "m2i": 9.0, "sd2i": 3.0, "n2i": 15}
    es = compute_effect_sizes([row], "SMD")
    m = 25
    sp = math.sqrt((11 * 4 + 14 * 9) / m)
    c = math.exp(math.lgamma(m / 2) - math.log(math.sqrt(m / 2)) - math.lgamma((m - 1) / 2))
    assert es.yi[0] == pytest.approx(c * 1.0 / sp)
    assert es.vi[0] == pytest.approx(1 / 12 + 1 / 15 + es.yi[0] ** 2 / (2 * 27))


def test_exact_correction_is_close_to_hedges_approximation():
    m = np.array([5.0, 10.0, 50.0, 200.0])
    assert np.allclose(hedges_correction(m), 1 - 3 / (4 * m - 1), rtol=2e-3)


def test_mean_difference_variance():
    row = {"study": "S", "m1i": 10.0, "sd1i": 2.0, "n1i": 12, "m2i": 9.0, "sd2i": 3.0, "n2i": 15}
    es = compute_effect_sizes([row], "MD")
    assert (es.yi[0], es.vi[0]) == pytest.approx((1.0, 4 / 12 + 9 / 15))


def test_logit_proportion_adds_half_for_zero_and_all_responders():
    rows = [{"study": "none", "xi": 0, "ni": 20}, {"study": "all", "xi": 20, "ni": 20}]
    es = compute_effect_sizes(rows, "PLO")
    assert es.yi[0] == pytest.approx(math.log(0.5 / 20.5))
    assert es.vi[0] == pytest.approx(1 / 0.5 + 1 / 20.5)
    assert es.yi[1] == pytest.approx(-es.yi[0])


def test_arcsine_and_freeman_tukey_need_no_correction():
    rows = [{"study": "none", "xi": 0, "ni": 20}]
    assert compute_effect_sizes(rows, "PAS").yi[0] == 0.0
    pft = compute_effect_sizes(rows, "PFT")
    assert pft.yi[0] == pytest.approx(0.5 * math.asin(math.sqrt(1 / 21)))
    assert pft.vi[0] == pytest.approx(1 / 82)


@given(st.floats(0.01, 0.99), st.integers(5, 500))
def test_freeman_tukey_back_transformation_inverts_the_transformation(p, n):
    x = _freeman_tukey(p, n)
    assert back_transform("PFT", [x], np.array([n]))[0] == pytest.approx(p, abs=1e-9)


@given(st.floats(-3, 3))
def test_logit_and_arcsine_back_transformations(x):
    assert back_transform("PLO", [x])[0] == pytest.approx(1 / (1 + math.exp(-x)))
    assert back_transform("OR", [x])[0] == pytest.approx(math.exp(x))


@given(st.integers(1, 60), st.integers(1, 60), st.integers(1, 60), st.integers(1, 60))
def test_swapping_arms_negates_the_log_odds_ratio(a, b, c, d):
    one = compute_effect_sizes([{"ai": a, "bi": b, "ci": c, "di": d}], "OR")
    other = compute_effect_sizes([{"ai": c, "bi": d, "ci": a, "di": b}], "OR")
    assert one.yi[0] == pytest.approx(-other.yi[0])
    assert one.vi[0] == pytest.approx(other.vi[0])


def test_hazard_ratio_from_ratio_and_95_ci():
    es = compute_effect_sizes([{"study": "T", "estimate": 0.8, "ci_lower": 0.64, "ci_upper": 1.0}], "HR")
    assert es.input_kind == "ratio_ci"
    assert es.yi[0] == pytest.approx(math.log(0.8))
    assert es.sei[0] == pytest.approx((math.log(1.0) - math.log(0.64)) / (2 * Z_975))


def test_hazard_ratio_from_log_rank_o_minus_e_and_v():
    es = compute_effect_sizes([{"study": "T", "o_minus_e": -5.2, "v": 20.0}], "HR")
    assert (es.yi[0], es.vi[0]) == pytest.approx((-5.2 / 20.0, 1 / 20.0))


def test_generic_effect_from_yi_and_sei():
    es = compute_effect_sizes([{"study": "T", "yi": "0.3", "sei": "0.2"}], "GEN")
    assert (es.yi[0], es.vi[0]) == pytest.approx((0.3, 0.04))


@pytest.mark.parametrize(
    ("columns", "kind"),
    [
        (["study", "ai", "bi", "ci", "di", "n1i"], "2x2"),
        (["ai", "n1i", "ci", "n2i"], "2x2_totals"),
        (["m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"], "means"),
        (["xi", "ni"], "proportion"),
        (["yi", "vi", "sei"], "yi_vi"),
        (["yi", "sei"], "yi_sei"),
        (["estimate", "ci_lower", "ci_upper"], "ratio_ci"),
        (["o_minus_e", "v"], "logrank"),
    ],
)
def test_kind_of_input_is_read_from_the_columns(columns, kind):
    assert detect_input_kind(columns) == kind


def test_unknown_columns_are_refused_with_the_expected_sets():
    with pytest.raises(InputError, match="cannot tell the kind of input"):
        detect_input_kind(["foo", "bar"])


def test_text_in_a_number_column_names_study_and_column():
    with pytest.raises(InputError, match="study 'B'.*column ai"):
        compute_effect_sizes([ARONSON, {"study": "B", "ai": "four", "bi": 1, "ci": 1, "di": 1}], "OR")


def test_measure_that_the_input_cannot_give_is_refused():
    with pytest.raises(InputError, match="cannot be computed"):
        compute_effect_sizes([ARONSON], "SMD")
