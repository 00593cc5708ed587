"""Edge cases of pooling: zero cells, truncation, bad input, and cross-checks against statsmodels."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.stats.contingency_tables import StratifiedTable

from analysis.engine import (
    ConvergenceError,
    InputError,
    compute_effect_sizes,
    egger_test,
    leave_one_out,
    meta_regression,
    pool_inverse_variance,
    run_pooled_analysis,
    subgroup_analysis,
    tau2,
)
from analysis.engine.moderators import design_matrix
from tests.analysis.engine.reference_data import bcg_trials

BCG = bcg_trials()
HOMOGENEOUS = [{"study": f"S{i}", "yi": y, "vi": 0.04} for i, y in enumerate([0.20, 0.22, 0.18, 0.21, 0.19])]


def test_double_zero_study_is_dropped_with_a_note():
    rows = [*BCG[:4], {"study": "Empty trial", "ai": 0, "bi": 40, "ci": 0, "di": 41}]
    result = run_pooled_analysis(rows, "OR", "DL")
    assert result["k"] == 4
    assert any("Empty trial" in note and "no events" in note for note in result["notes"])
    assert "Empty trial" not in [s["study"] for s in result["studies"]]


def test_mantel_haenszel_counts_double_zero_tables_in_k_like_rma_mh():
    rows = [*BCG[:4], {"study": "Empty trial", "ai": 0, "bi": 40, "ci": 0, "di": 41}]
    result = run_pooled_analysis(rows, "OR", "MH")
    assert result["k"] == 5
    assert result["q_df"] == 3  # Q uses the 4 tables that have an effect size


def test_zero_cell_table_is_pooled_with_half_added():
    rows = [*BCG[:3], {"study": "Zero", "ai": 0, "bi": 100, "ci": 4, "di": 96}]
    result = run_pooled_analysis(rows, "OR", "REML")
    zero = next(s for s in result["studies"] if s["study"] == "Zero")
    assert zero["yi"] == pytest.approx(math.log(0.5 * 96.5 / (100.5 * 4.5)))


def test_tau2_is_truncated_at_zero_for_every_estimator_that_can_go_negative():
    yi = np.array([r["yi"] for r in HOMOGENEOUS])
    vi = np.array([r["vi"] for r in HOMOGENEOUS])
    # Sidik-Jonkman is positive by construction (a multiple of its initial value)
    assert pool_inverse_variance(yi, vi, "SJ").tau2 > 0
    for method in (m for m in tau2.TAU2_METHODS if m != "SJ"):
        fit = pool_inverse_variance(yi, vi, method)
        assert fit.tau2 == 0.0, method
        assert fit.i2 == 0.0
        assert fit.tau2_ci_lower == 0.0 and fit.tau2_ci_upper == 0.0


def test_random_effects_needs_two_studies():
    with pytest.raises(InputError, match="at least 2 studies; found 1"):
        run_pooled_analysis(HOMOGENEOUS[:1], "GEN", "REML")


def test_fixed_effect_with_one_study_is_that_study():
    result = run_pooled_analysis(HOMOGENEOUS[:1], "GEN", "FE")
    assert result["estimate"] == pytest.approx(0.20)
    assert result["q"] == 0 and result["q_pval"] == 1


def test_missing_values_drop_the_row_with_a_warning():
    rows = [*BCG[:5]]
    rows[2] = {**rows[2], "ci": ""}
    rows[3] = {**rows[3], "ai": None}
    result = run_pooled_analysis(rows, "RR", "REML")
    assert result["k"] == 3
    assert any("Rosenthal et al 1960" in w and "ci" in w for w in result["warnings"])
    assert any("Hart & Sutherland 1977" in w for w in result["warnings"])
    json.dumps(result, allow_nan=False)


def test_negative_variance_names_the_study():
    rows = [*HOMOGENEOUS[:2], {"study": "Broken", "yi": 0.1, "vi": -0.01}]
    with pytest.raises(InputError, match="'Broken'.*negative"):
        run_pooled_analysis(rows, "GEN", "REML")


def test_negative_count_names_the_study():
    rows = [*BCG[:2], {"study": "Typo", "ai": -3, "bi": 10, "ci": 2, "di": 10}]
    with pytest.raises(InputError, match="'Typo'.*negative"):
        run_pooled_analysis(rows, "OR", "FE")


def test_non_convergence_raises_convergence_error(monkeypatch):
    monkeypatch.setattr(tau2, "MAX_ITERATIONS", 1)
    rows = [{"study": r["study"], "ai": r["ai"], "bi": r["bi"], "ci": r["ci"], "di": r["di"]} for r in BCG]
    with pytest.raises(ConvergenceError, match="did not converge"):
        run_pooled_analysis(rows, "RR", "REML")


def test_hazard_ratios_from_confidence_intervals():
    rows = [
        {"study": "A", "estimate": 0.70, "ci_lower": 0.55, "ci_upper": 0.89},
        {"study": "B", "estimate": 0.85, "ci_lower": 0.70, "ci_upper": 1.03},
        {"study": "C", "estimate": 0.60, "ci_lower": 0.40, "ci_upper": 0.90},
    ]
    result = run_pooled_analysis(rows, "HR", "FE")
    yi = np.log([0.70, 0.85, 0.60])
    sei = (np.log([0.89, 1.03, 0.90]) - np.log([0.55, 0.70, 0.40])) / (2 * 1.959964)
    w = 1 / sei**2
    assert result["estimate"] == pytest.approx(float(w @ yi / w.sum()))
    assert result["summary"]["estimate"] == pytest.approx(math.exp(result["estimate"]))


def test_log_rank_statistics_pool_as_peto_style_log_hazard_ratios():
    rows = [{"study": "A", "o_minus_e": -4.0, "v": 10.0}, {"study": "B", "o_minus_e": -6.0, "v": 20.0}]
    result = run_pooled_analysis(rows, "HR", "FE")
    # inverse-variance pooling of (O-E)/V with weight V is sum(O-E)/sum(V)
    assert result["estimate"] == pytest.approx(-10.0 / 30.0)
    assert result["se"] == pytest.approx(1 / math.sqrt(30.0))


def test_log_hazard_ratio_with_standard_error():
    rows = [{"study": "A", "yi": -0.2, "sei": 0.1}, {"study": "B", "yi": -0.4, "sei": 0.2}]
    result = run_pooled_analysis(rows, "HR", "FE")
    assert result["estimate"] == pytest.approx((-0.2 / 0.01 - 0.4 / 0.04) / (1 / 0.01 + 1 / 0.04))


def test_fixed_effect_prediction_interval_equals_confidence_interval():
    result = run_pooled_analysis(BCG, "RR", "FE")
    assert (result["pi_lower"], result["pi_upper"]) == (result["ci_lower"], result["ci_upper"])


def test_knha_uses_t_with_k_minus_1_df():
    result = run_pooled_analysis(BCG, "RR", "DL", test="knha")
    assert result["df"] == 12


def test_weights_are_percentages():
    result = run_pooled_analysis(BCG, "RR", "REML")
    assert sum(s["weight"] for s in result["studies"]) == pytest.approx(100.0)


def test_mantel_haenszel_odds_ratio_matches_statsmodels_stratified_table():
    tables = [np.array([[r["ai"], r["bi"]], [r["ci"], r["di"]]], dtype=float) for r in BCG]
    reference = StratifiedTable(tables)
    result = run_pooled_analysis(BCG, "OR", "MH")
    assert result["estimate"] == pytest.approx(reference.logodds_pooled, rel=1e-10)
    assert result["se"] == pytest.approx(reference.logodds_pooled_se, rel=1e-10)


def test_fixed_effect_meta_regression_matches_statsmodels_wls():
    es = compute_effect_sizes(BCG, "RR")
    X, names = design_matrix(es.rows, ["ablat"], es.studies)
    fit = meta_regression(es.yi, es.vi, X, names, method="FE")
    wls = sm.WLS(es.yi, X, weights=1 / es.vi).fit()
    assert fit.beta == pytest.approx(wls.params, rel=1e-10)
    # metafor's fixed-effect standard errors do not rescale by the residual variance
    assert fit.se == pytest.approx(wls.bse / math.sqrt(wls.scale), rel=1e-10)


def test_categorical_moderator_becomes_dummies_named_like_r():
    es = compute_effect_sizes(BCG, "RR")
    _, names = design_matrix(es.rows, ["alloc"], es.studies)
    assert names == ["intercept", "allocrandom", "allocsystematic"]


def test_moderator_column_must_exist():
    with pytest.raises(InputError, match="column\\(s\\) not found: latitude"):
        run_pooled_analysis(BCG, "RR", "REML", mods=["latitude"])


def test_subgroup_of_one_study_is_reported_as_that_study():
    rows = [{**r, "band": "one" if i == 0 else "rest"} for i, r in enumerate(BCG)]
    result = run_pooled_analysis(rows, "RR", "REML", subgroup="band")
    assert result["subgroups"]["one"]["k"] == 1
    assert result["subgroups"]["one"]["tau2"] == 0
    assert result["df_between"] == 1


def test_subgroup_analysis_on_effect_sizes():
    es = compute_effect_sizes(BCG, "RR")
    groups = [r["alloc"] for r in es.rows]
    analysis = subgroup_analysis(es.yi, es.vi, groups, "REML")
    assert analysis.levels == ["alternate", "random", "systematic"]
    assert analysis.q_between == pytest.approx(1.8614, abs=1e-4)


def test_leave_one_out_refits_without_each_study():
    es = compute_effect_sizes(BCG, "RR")
    rows = leave_one_out(es, "DL")
    assert len(rows) == 13
    direct = pool_inverse_variance(es.yi[1:], es.vi[1:], "DL")
    assert rows[0]["estimate"] == pytest.approx(direct.estimate)
    assert run_pooled_analysis(BCG, "RR", "MH", leave_one_out_analysis=True)["leave_one_out"][0]["k"] == 12


def test_egger_needs_three_studies():
    with pytest.raises(InputError, match="at least 3"):
        egger_test(np.array([0.1, 0.2]), np.array([0.01, 0.02]))


def test_peto_refuses_other_measures():
    with pytest.raises(InputError, match="odds ratio"):
        run_pooled_analysis(BCG, "RR", "PETO")


def test_proportion_freeman_tukey_warns_about_back_transformation():
    rows = [{"study": f"S{i}", "xi": x, "ni": n} for i, (x, n) in enumerate([(3, 20), (10, 40), (7, 25)])]
    result = run_pooled_analysis(rows, "PFT", "DL")
    assert any("harmonic mean" in w for w in result["warnings"])
    assert 0 < result["summary"]["estimate"] < 1


def test_zero_variance_is_refused_naming_the_study():
    rows = [*HOMOGENEOUS[:2], {"study": "Exact", "yi": 0.1, "vi": 0}]
    with pytest.raises(InputError, match="'Exact'.*zero"):
        run_pooled_analysis(rows, "GEN", "FE")


def test_missing_non_event_count_follows_from_the_arm_total():
    rows = [{**r, "n1i": r["ai"] + r["bi"], "n2i": r["ci"] + r["di"]} for r in BCG[:4]]
    rows[1] = {**rows[1], "bi": ""}
    full = run_pooled_analysis(BCG[:4], "RR", "REML")
    assert run_pooled_analysis(rows, "RR", "REML")["estimate"] == pytest.approx(full["estimate"])


@pytest.mark.parametrize("method", ["REML", "ML", "EB", "PM"])
def test_intercept_only_fast_path_agrees_with_the_matrix_path(method):
    es = compute_effect_sizes(BCG, "RR")
    fast = tau2.estimate_tau2(es.yi, es.vi, method).tau2
    dense = tau2.estimate_tau2(es.yi, es.vi, method, X=np.ones((es.k, 1))).tau2
    assert fast == pytest.approx(dense, rel=1e-10)
    # EB and PM solve the same equation Q(tau²) = k - 1
    if method in ("EB", "PM"):
        assert fast == pytest.approx(tau2.estimate_tau2(es.yi, es.vi, "PM").tau2, rel=1e-10)
