"""IPD time-to-event engine against R survival (reference JSON files) and statsmodels."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.engine.errors import ConvergenceError, InputError
from analysis.engine.survival import (
    analyse_ipd,
    cox_treatment_effect,
    fit_cox,
    interaction_test,
    kaplan_meier,
    kaplan_meier_by_arm,
    logrank_test,
    per_trial_estimates,
    two_stage,
)
from analysis.engine.survival_cox import cox_from_ipd, interaction_from_ipd
from analysis.engine.survival_data import prepare_ipd
from analysis.engine.survival_km import km_from_ipd, logrank_from_ipd

DATA = Path(__file__).parent / "data"
RTOL = 1e-6
ATOL = 1e-10
# Labels (term names, levels) differ in spelling between R and us; numbers are what is compared.
LABELS = {"term", "level", "covariate", "categorical", "treatment", "study", "coefficients"}


def metafor_case(case_id: str) -> dict:
    cases = json.loads((DATA / "metafor_cases.json").read_text())
    return next(case for case in cases if case["id"] == case_id)


SURVIVAL_CASES = json.loads((DATA / "survival_cases.json").read_text())


def assert_matches(expected, got, where: str = "") -> None:
    """Every number in `expected` equals the one at the same place in `got` (rel 1e-6)."""
    if isinstance(expected, dict):
        for key, value in expected.items():
            if key in LABELS:
                continue
            assert key in got, f"{where}.{key} missing"
            assert_matches(value, got[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), f"{where}: {len(got)} rows, expected {len(expected)}"
        for index, (want, have) in enumerate(zip(expected, got, strict=True)):
            assert_matches(want, have, f"{where}[{index}]")
    elif expected is None:
        assert got is None, f"{where}: expected None (R's NA), got {got!r}"
    elif isinstance(expected, (int, float)):
        assert got is not None, f"{where}: expected {expected}, got None"
        assert math.isclose(got, expected, rel_tol=RTOL, abs_tol=ATOL), (
            f"{where}: expected {expected!r}, got {got!r}"
        )
    else:
        assert str(got) == str(expected), f"{where}: expected {expected!r}, got {got!r}"


# --- R survival reference cases ---------------------------------------------------------------------


def test_veteran_case_from_metafor_reference_matches_r():
    case = metafor_case("veteran_cox_strata")
    options = case["options"]
    result = analyse_ipd(
        pd.DataFrame(case["data"]),
        time=options["time"],
        event=options["event"],
        treatment=options["treatment"],
        control=options["control"],
        strata=options["strata"],
        km_times=options["km_times"],
    )
    expected = dict(case["expected"])
    km_expected = expected.pop("km")
    assert_matches(expected, result)
    by_key = {(row["treatment"], row["time"]): row for row in result["km"]}
    for row in km_expected:
        got = by_key[(row["treatment"], float(row["time"]))]
        assert got["n_risk"] == row["n_risk"]
        assert math.isclose(got["survival"], row["survival"], rel_tol=RTOL)


def _prepared(case: dict):
    options = case["options"]
    # R dropped rows missing any column of the case; so do we, by naming them all.
    used = list(
        dict.fromkeys(
            [*(options["covariates"] or []), *(i["covariate"] for i in case["expected"]["interactions"])]
        )
    )
    return prepare_ipd(
        pd.DataFrame(case["data"]),
        time="time",
        event="event",
        treatment="treatment",
        control=options["control"],
        strata=options["strata"],
        covariates=used,
    )


@pytest.fixture(params=SURVIVAL_CASES, ids=[case["id"] for case in SURVIVAL_CASES])
def survival_case(request):
    return request.param


def test_stratified_efron_cox_matches_r(survival_case):
    assert_cox_matches(survival_case["expected"]["cox"], cox_from_ipd(_prepared(survival_case)))


def test_stratified_breslow_cox_matches_r(survival_case):
    assert_cox_matches(
        survival_case["expected"]["breslow"], cox_from_ipd(_prepared(survival_case), ties="breslow")
    )


def assert_cox_matches(expected: dict, result: dict) -> None:
    assert_matches(expected["coefficients"], result["coefficients"], "coefficients")
    if len(result["comparisons"]) > 1:
        # With several arms there is one HR per arm (R's first coefficient is just the first arm).
        assert_matches(expected["coefficients"], result["comparisons"], "comparisons")
        expected = {key: expected[key] for key in ("n", "events", "loglik", "loglik_null")}
    assert_matches(expected, result)


ADJUSTED_CASES = [case for case in SURVIVAL_CASES if "adjusted" in case["expected"]]
TWO_ARM_CASES = [case for case in SURVIVAL_CASES if "per_trial" in case["expected"]]


@pytest.mark.parametrize("survival_case", ADJUSTED_CASES, ids=[case["id"] for case in ADJUSTED_CASES])
def test_covariate_adjusted_cox_matches_r(survival_case):
    expected = survival_case["expected"]["adjusted"]
    result = cox_from_ipd(_prepared(survival_case), covariates=survival_case["options"]["covariates"])
    assert_matches(expected, result)
    assert_matches(expected["coefficients"], result["coefficients"])


def test_kaplan_meier_at_times_and_full_curve_match_r(survival_case):
    km = km_from_ipd(_prepared(survival_case), survival_case["options"]["km_times"])
    expected = survival_case["expected"]["km"]
    assert [(row["treatment"], row["time"]) for row in km["at_times"]] == [
        (row["treatment"], float(row["time"])) for row in expected["at_times"]
    ]
    assert_matches(expected["at_times"], km["at_times"])
    steps = [{"treatment": curve["treatment"], **step} for curve in km["curves"] for step in curve["steps"]]
    assert_matches(expected["steps"], steps)
    assert_matches(
        [row["median"] for row in expected["medians"]], [curve["median"] for curve in km["curves"]]
    )


def test_stratified_logrank_matches_r(survival_case):
    result = logrank_from_ipd(_prepared(survival_case))
    result["observed"] = [arm["observed"] for arm in result["arms"]]
    result["expected"] = [arm["expected"] for arm in result["arms"]]
    assert_matches(survival_case["expected"]["logrank"], result)


def test_interaction_tests_match_r(survival_case):
    ipd = _prepared(survival_case)
    for expected in survival_case["expected"]["interactions"]:
        result = interaction_from_ipd(ipd, expected["covariate"], categorical=expected["categorical"])
        assert_matches(expected, result, expected["covariate"])


@pytest.mark.parametrize("survival_case", TWO_ARM_CASES, ids=[case["id"] for case in TWO_ARM_CASES])
def test_per_trial_estimates_match_r(survival_case):
    expected = survival_case["expected"]["per_trial"]
    ipd = _prepared(survival_case)
    rows = per_trial_estimates(
        ipd.frame, time="time", event="event", treatment="treatment", trial="trial", control=ipd.arm_levels[0]
    )
    assert [row["study"] for row in rows] == [row["study"] for row in expected]
    assert_matches(expected, rows)
    assert sum(row["n_control"] + row["n_treatment"] for row in rows) == ipd.n


def test_two_stage_pools_ipd_trials_with_published_hrs_like_metafor():
    case = next(case for case in SURVIVAL_CASES if "two_stage" in case["expected"])
    result = two_stage(
        pd.DataFrame(case["data"]),
        time="time",
        event="event",
        treatment="treatment",
        trial="trial",
        control=case["options"]["control"],
        published=case["options"]["published"],
        method="REML",
    )
    assert_matches(case["expected"]["two_stage"], result)
    assert [row["source"] for row in result["studies"]].count("published") == 2


def test_two_stage_leaves_out_a_trial_without_an_estimable_hr():
    data = simulated_trials(n_per_trial=200, trials=3, seed=2)
    data.loc[(data["trial"] == "T1") & (data["arm"] == "new"), "died"] = 0
    result = two_stage(
        data, time="days", event="died", treatment="arm", trial="trial", control="old", method="DL"
    )
    assert result["k"] == 2
    assert any("T1" in note and "monotone likelihood" in note for note in result["notes"])


def test_missing_values_dropped_with_note():
    case = next(case for case in SURVIVAL_CASES if case["id"] == "lung_complete_cases")
    data = pd.DataFrame(case["data"])
    result = analyse_ipd(
        data, time="time", event="event", treatment="treatment", control="male", strata="trial"
    )
    dropped = int(data[["time", "event", "treatment", "trial"]].isna().any(axis=1).sum())
    assert dropped > 0
    assert result["n"] == len(data) - dropped
    assert any(f"{dropped} row(s) with missing values dropped" in note for note in result["notes"])


# --- cross-checks against statsmodels -----------------------------------------------------------------


def simulated_trials(n_per_trial: int = 500, trials: int = 6, seed: int = 7) -> pd.DataFrame:
    """Several trials with whole-day times (many ties), a binary treatment and an age covariate."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(trials):
        treated = rng.integers(0, 2, n_per_trial)
        age = rng.normal(60, 10, n_per_trial)
        hazard = 0.01 * (1 + k / 3) * np.exp(-0.3 * treated + 0.02 * (age - 60))
        event_time = rng.exponential(1 / hazard)
        censor_time = rng.uniform(50, 300, n_per_trial)
        frames.append(
            pd.DataFrame(
                {
                    "trial": f"T{k}",
                    "arm": np.where(treated == 1, "new", "old"),
                    "days": np.ceil(np.minimum(event_time, censor_time) / 7) * 7,  # weekly visits: heavy ties
                    "died": (event_time <= censor_time).astype(int),
                    "age": age,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_stratified_efron_cox_agrees_with_statsmodels_phreg():
    from statsmodels.duration.hazard_regression import PHReg

    data = simulated_trials()
    assert data.duplicated(["trial", "days"]).sum() > 1000  # the point is the ties
    result = cox_treatment_effect(
        data, time="days", event="died", treatment="arm", control="old", strata="trial", covariates=["age"]
    )
    exog = np.column_stack([(data["arm"] == "new").astype(float), data["age"]])
    phreg = PHReg(data["days"], exog, status=data["died"], strata=data["trial"], ties="efron").fit()
    assert np.allclose([c["log_hr"] for c in result["coefficients"]], phreg.params, rtol=1e-7)
    assert np.allclose([c["se"] for c in result["coefficients"]], phreg.bse, rtol=1e-6)
    assert math.isclose(result["loglik"], phreg.llf, rel_tol=1e-10)


def test_breslow_ties_agree_with_statsmodels_phreg():
    from statsmodels.duration.hazard_regression import PHReg

    data = simulated_trials(n_per_trial=300, trials=3, seed=11)
    result = cox_treatment_effect(
        data, time="days", event="died", treatment="arm", control="old", strata="trial", ties="breslow"
    )
    phreg = PHReg(
        data["days"],
        (data["arm"] == "new").astype(float),
        status=data["died"],
        strata=data["trial"],
        ties="breslow",
    ).fit()
    assert math.isclose(result["log_hr"], phreg.params[0], rel_tol=1e-7)
    assert math.isclose(result["se"], phreg.bse[0], rel_tol=1e-6)


def test_kaplan_meier_agrees_with_statsmodels_survfunc():
    from statsmodels.duration.survfunc import SurvfuncRight

    data = simulated_trials(n_per_trial=200, trials=2, seed=3)
    old = data[data["arm"] == "old"]
    curve = kaplan_meier(old["days"].to_numpy(), old["died"].to_numpy())
    reference = SurvfuncRight(old["days"], old["died"])
    # statsmodels lists event times only; our curve also has censoring-only times (as R does).
    at_events = curve["n_event"] > 0
    assert np.allclose(curve["time"][at_events], reference.surv_times)
    assert np.allclose(curve["surv"][at_events], reference.surv_prob, rtol=1e-12)
    assert np.allclose(curve["n_risk"][at_events], reference.n_risk)
    # statsmodels' surv_prob_se is the Greenwood SE of S itself: S * se(log S).
    assert np.allclose(
        curve["surv"][at_events] * curve["std_err"][at_events], reference.surv_prob_se, rtol=1e-10
    )


def test_km_by_arm_reports_step_value_and_number_at_risk():
    data = pd.DataFrame(
        {"t": [1, 2, 2, 3, 5, 5, 1, 4], "e": [1, 1, 0, 1, 1, 1, 0, 1], "arm": ["a"] * 6 + ["b"] * 2}
    )
    km = kaplan_meier_by_arm(data, time="t", event="e", treatment="arm", control="a", km_times=[0, 2, 2.5, 6])
    rows = {(row["treatment"], row["time"]): row for row in km["at_times"]}
    assert rows[("a", 0.0)]["survival"] == 1.0 and rows[("a", 0.0)]["n_risk"] == 6
    assert rows[("a", 2.0)]["survival"] == pytest.approx(5 / 6 * 4 / 5)
    assert rows[("a", 2.0)]["n_risk"] == 5  # at risk just before t = 2
    assert rows[("a", 2.5)]["n_risk"] == 3
    assert rows[("a", 6.0)]["n_risk"] == 0 and rows[("a", 6.0)]["survival"] == 0.0
    assert rows[("a", 6.0)]["lower"] is None


# --- interaction and log-rank behaviour ---------------------------------------------------------------


def test_interaction_detects_effect_modification_by_subgroup():
    rng = np.random.default_rng(5)
    n = 4000
    treated = rng.integers(0, 2, n)
    male = rng.integers(0, 2, n)
    # Treatment helps women only: log HR -0.7 for women, 0 for men.
    hazard = np.exp(-0.7 * treated * (1 - male))
    event_time = rng.exponential(1 / hazard)
    data = pd.DataFrame(
        {
            "time": np.minimum(event_time, 2.0),
            "event": (event_time < 2.0).astype(int),
            "arm": treated,
            "sex": male,
        }
    )
    data["trial"] = np.arange(n) % 4
    result = interaction_test(
        data, time="time", event="event", treatment="arm", control="0", covariate="sex", strata="trial"
    )
    assert result["kind"] == "categorical"
    assert result["pval"] < 1e-6
    assert result["estimate"] == pytest.approx(0.7, abs=0.15)
    women, men = result["subgroups"]
    assert women["level"] == "0" and women["log_hr"] == pytest.approx(-0.7, abs=0.1)
    assert men["log_hr"] == pytest.approx(0.0, abs=0.1)


def test_logrank_is_close_to_cox_score_test_and_gives_peto_statistics():
    data = simulated_trials(n_per_trial=400, trials=3, seed=21)
    logrank = logrank_test(data, time="days", event="died", treatment="arm", control="old", strata="trial")
    assert logrank["df"] == 1
    cox = cox_treatment_effect(
        data, time="days", event="died", treatment="arm", control="old", strata="trial"
    )
    # Peto's one-step estimate (O - E) / V is close to the Cox log HR when the effect is moderate.
    assert logrank["o_minus_e"] / logrank["v"] == pytest.approx(cox["log_hr"], abs=0.03)
    assert logrank["chi2"] == pytest.approx(cox["z"] ** 2, rel=0.1)


def test_unstratified_fit_equals_single_stratum():
    data = simulated_trials(n_per_trial=300, trials=1)
    one = cox_treatment_effect(data, time="days", event="died", treatment="arm", control="old")
    same = cox_treatment_effect(
        data, time="days", event="died", treatment="arm", control="old", strata="trial"
    )
    assert one["log_hr"] == pytest.approx(same["log_hr"], rel=1e-12)


# --- errors and notes ---------------------------------------------------------------------------------


def small_data(**changes) -> pd.DataFrame:
    data = pd.DataFrame(
        {
            "t": [5, 8, 3, 9, 12, 4, 7, 10, 6, 11],
            "e": [1, 0, 1, 1, 0, 1, 1, 0, 1, 1],
            "arm": ["ctl", "exp"] * 5,
            "trial": ["A"] * 6 + ["B"] * 4,
        }
    )
    for column, values in changes.items():
        data[column] = values
    return data


def run(data: pd.DataFrame, **options):
    arguments = {
        "time": "t",
        "event": "e",
        "treatment": "arm",
        "control": "ctl",
        "strata": "trial",
        **options,
    }
    return analyse_ipd(data, **arguments)


def test_negative_time_is_refused():
    with pytest.raises(InputError, match="negative"):
        run(small_data(t=[5, -8, 3, 9, 12, 4, 7, 10, 6, 11]))


def test_event_other_than_zero_or_one_is_refused():
    with pytest.raises(InputError, match="1 \\(event\\) or 0"):
        run(small_data(e=[1, 0, 2, 1, 0, 1, 1, 0, 1, 1]))


def test_three_arms_without_control_are_refused_and_with_control_get_one_hr_per_arm():
    data = small_data(arm=["ctl", "exp", "exp2", "exp", "ctl", "exp2", "ctl", "exp", "exp2", "exp2"])
    with pytest.raises(InputError, match="exactly 2 are needed unless the control level is given"):
        run(data, control=None)
    result = run(data)
    assert [row["treatment"] for row in result["comparisons"]] == ["exp", "exp2"]
    assert result["log_hr"] is None and result["logrank"]["df"] == 2


def test_absent_control_level_is_refused():
    with pytest.raises(InputError, match="control level 'placebo' not found"):
        run(small_data(), control="placebo")


def test_missing_column_is_refused():
    with pytest.raises(InputError, match="column\\(s\\) not found: weeks"):
        run(small_data(), time="weeks")


def test_stratum_without_events_gets_a_note():
    data = small_data(e=[1, 0, 1, 1, 0, 1, 0, 0, 0, 0])
    result = run(data)
    assert any("without events" in note and "B" in note for note in result["notes"])
    assert result["events"] == 4


def test_missing_values_are_dropped_with_a_note():
    data = small_data(t=[5, None, 3, 9, 12, 4, 7, 10, 6, 11]).astype({"t": float})
    data.loc[2, "arm"] = ""
    result = run(data)
    assert result["n"] == 8
    assert any("2 row(s) with missing values dropped" in note for note in result["notes"])


def test_monotone_likelihood_is_reported():
    # Every event is in the control arm: the HR estimate runs off to zero.
    data = small_data(e=[1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
    with pytest.raises(ConvergenceError, match="monotone likelihood"):
        run(data)


def test_covariate_constant_within_strata_is_refused():
    data = small_data()
    data["site_size"] = np.where(data["trial"] == "A", 100.0, 40.0)
    with pytest.raises(InputError, match="site_size"):
        run(data, covariates=["site_size"])


def test_no_events_is_refused():
    with pytest.raises(InputError, match="no events"):
        run(small_data(e=[0] * 10))


def test_fit_cox_rejects_unknown_ties():
    with pytest.raises(InputError, match="ties"):
        fit_cox(np.array([1.0, 2.0]), np.array([1, 1]), np.array([0.0, 1.0]), ties="exact")
