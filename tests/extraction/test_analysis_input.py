"""The analysis app's input: rows per outcome type in metafor's column names, from final values only."""

import pytest

from extraction import cells, services
from extraction.selectors.analysis_input import analysis_rows, column_name, data_version
from reviews.models import Review


@pytest.fixture
def final(study, reviewer):
    return services.extraction_open(study=study, user=reviewer)


def put(save, extraction, outcome, arm, **numbers):
    for key, value in numbers.items():
        save(extraction, cells.arm_cell(outcome.pk, arm.pk, key), value)


def test_dichotomous_rows_compare_experimental_with_control(review, form, arms, final, save):
    il2, obs = arms
    put(save, final, form["relapse"], il2, total=120, events=40)
    put(save, final, form["relapse"], obs, total=118, events=52)
    save(final, f"f{form['year'].pk}", 2008)
    save(final, f"f{form['design'].pk}", "parallel")
    rows = analysis_rows(review_id=review.pk, outcome_id=form["relapse"].pk)
    assert rows == [{
        "study": "Baer 2008", "study_id": final.study_id, "comparison_id": final.study.comparisons.get().pk,
        "experimental": "IL-2", "control": "Observation", "ai": 40, "n1i": 120, "ci": 52, "n2i": 118,
        "year": 2008, "design": "parallel", "blinded": None,
    }]  # fmt: skip


def test_continuous_rows(review, form, arms, final, save):
    il2, obs = arms
    put(save, final, form["qol"], il2, mean=61.5, n=40, sd="se 2")
    put(save, final, form["qol"], obs, mean=58.0, n=38, sd=11.0)
    (row,) = analysis_rows(review_id=review.pk, outcome_id=form["qol"].pk)
    assert (row["m1i"], row["n1i"], row["m2i"], row["sd2i"], row["n2i"]) == (61.5, 40, 58.0, 11.0, 38)
    assert row["sd1i"] == pytest.approx(2 * 40**0.5)


def test_incomplete_rows_are_left_out_unless_asked_for(review, form, arms, final, save):
    put(save, final, form["relapse"], arms[0], total=120, events=40)
    assert analysis_rows(review_id=review.pk, outcome_id=form["relapse"].pk) == []
    (row,) = analysis_rows(review_id=review.pk, outcome_id=form["relapse"].pk, include_incomplete=True)
    assert (row["ai"], row["ci"]) == (40, None)


def test_proportion_rows_are_one_per_arm_with_arm_fields(review, form, arms, final, save):
    il2, obs = arms
    put(save, final, form["response"], il2, n=34, responders=12)
    put(save, final, form["response"], obs, n=30, responders=3)
    save(final, f"f{form['dose_category'].pk}:a{il2.pk}", "high")
    rows = analysis_rows(review_id=review.pk, outcome_id=form["response"].pk)
    assert [(r["arm"], r["xi"], r["ni"], r["dose_category"]) for r in rows] == [
        ("IL-2", 12, 34, "high"), ("Observation", 3, 30, None)
    ]  # fmt: skip


def test_time_to_event_rows_say_which_form_they_carry(review, form, study, arms, final, save):
    survival, comparison = form["survival"], study.comparisons.get()
    for key, value in [("hr", 0.81), ("hr_lower", 0.62), ("hr_upper", 1.06)]:
        save(final, cells.comparison_cell(survival.pk, comparison.pk, key), value)
    put(save, final, survival, arms[0], events=70, total=120)
    (row,) = analysis_rows(review_id=review.pk, outcome_id=survival.pk)
    assert (row["estimate"], row["ci_lower"], row["ci_upper"], row["hr_source"]) == (0.81, 0.62, 1.06, "ci")
    assert (row["yi"], row["sei"], row["o_minus_e"], row["v"]) == (None, None, None, None)
    assert (row["events1"], row["total1"], row["events2"]) == (70, 120, None)
    other = services.study_create(review=review, user=final.study.created_by, label="Kolitz 2014")
    services.arm_create(study=other, user=final.study.created_by, label="IL-2")
    services.arm_create(study=other, user=final.study.created_by, label="None")
    other_final = services.extraction_open(study=other, user=final.study.created_by)
    save(other_final, cells.comparison_cell(survival.pk, other.comparisons.get().pk, "o_minus_e"), -4.2)
    save(other_final, cells.comparison_cell(survival.pk, other.comparisons.get().pk, "v"), 30.1)
    rows = analysis_rows(review_id=review.pk, outcome_id=survival.pk)
    assert [(r["study"], r["hr_source"], r["o_minus_e"]) for r in rows] == [
        ("Baer 2008", "ci", None),
        ("Kolitz 2014", "logrank", -4.2),
    ]


def test_multi_arm_studies_compare_the_chosen_comparison(review, owner, form, study, arms, final, save):
    il2, obs = arms
    low = services.arm_create(study=study, user=owner, label="Low-dose IL-2")
    chosen = services.comparison_create(study=study, user=owner, experimental_id=low.pk, control_id=obs.pk)
    put(save, final, form["relapse"], il2, total=100, events=30)
    put(save, final, form["relapse"], low, total=90, events=33)
    put(save, final, form["relapse"], obs, total=95, events=40)
    default = analysis_rows(review_id=review.pk, outcome_id=form["relapse"].pk)
    picked = analysis_rows(
        review_id=review.pk, outcome_id=form["relapse"].pk, comparisons={study.pk: chosen.pk}
    )
    assert [(r["experimental"], r["ai"], r["n1i"]) for r in default] == [("IL-2", 30, 100)]
    assert [(r["experimental"], r["ai"], r["n1i"], r["ci"]) for r in picked] == [
        ("Low-dose IL-2", 33, 90, 40)
    ]


def test_data_version_and_column_names(review):
    assert data_version(review_id=review.pk) == Review.objects.get(pk=review.pk).data_version
    assert column_name("Dose category (mg/m²)") == "dose_category_mg_m"
    assert column_name("ai") == "field_ai" and column_name("2nd line") == "field_2nd_line"
