"""Each outcome type and form field kind: what is accepted, what is refused and with which message."""

import math

import pytest
from django.core.exceptions import ValidationError
from scipy import stats

from extraction import cells, services
from extraction.models import ExtractedValue


@pytest.fixture
def extraction(study, reviewer):
    return services.extraction_open(study=study, user=reviewer)


def cell_of(outcome, arm, key):
    return cells.arm_cell(outcome.pk, arm.pk, key)


def messages_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


def test_dichotomous_counts_and_events_not_above_total(extraction, form, arms, save):
    relapse, (il2, _) = form["relapse"], arms
    assert save(extraction, cell_of(relapse, il2, "total"), "120").value == 120
    assert save(extraction, cell_of(relapse, il2, "events"), 37).value == 37
    with pytest.raises(ValidationError) as excinfo:
        save(extraction, cell_of(relapse, il2, "events"), "121")
    assert "exceeds the total of this arm (120)" in messages_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        save(extraction, cell_of(relapse, il2, "total"), "30")
    assert "The events of this arm (37) exceed 30" in messages_of(excinfo)
    for bad, message in [("2.5", "whole number"), ("-1", "cannot be negative"), ("many", "must be a number")]:
        with pytest.raises(ValidationError) as excinfo:
            save(extraction, cell_of(relapse, il2, "events"), bad)
        assert message in messages_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        save(extraction, cell_of(relapse, il2, "total"), "0")
    assert "greater than 0" in messages_of(excinfo)
    assert ExtractedValue.objects.get(extraction=extraction, cell=cell_of(relapse, il2, "events")).value == 37


def test_continuous_mean_sd_n(extraction, form, arms, save):
    qol, (il2, _) = form["qol"], arms
    assert save(extraction, cell_of(qol, il2, "mean"), "-3.25").value == -3.25
    assert save(extraction, cell_of(qol, il2, "n"), "40").value == 40
    assert save(extraction, cell_of(qol, il2, "sd"), "12.5").value == 12.5
    for bad in ("0", "-2"):
        with pytest.raises(ValidationError) as excinfo:
            save(extraction, cell_of(qol, il2, "sd"), bad)
        assert "SD must be greater than 0" in messages_of(excinfo)
    with pytest.raises(ValidationError):
        save(extraction, cell_of(qol, il2, "n"), "0")
    with pytest.raises(ValidationError):
        save(extraction, cell_of(qol, il2, "mean"), "nan")


def test_proportion_responders_not_above_n(extraction, form, arms, save):
    response, (il2, _) = form["response"], arms
    save(extraction, cell_of(response, il2, "n"), 34)
    save(extraction, cell_of(response, il2, "responders"), 12)
    with pytest.raises(ValidationError) as excinfo:
        save(extraction, cell_of(response, il2, "responders"), 35)
    assert "exceeds the n of this arm (34)" in messages_of(excinfo)


def test_time_to_event_hr_inside_its_ci_and_events_per_arm(extraction, form, study, arms, save):
    survival = form["survival"]
    comparison = study.comparisons.get()
    hr = cells.comparison_cell(survival.pk, comparison.pk, "hr")
    lower = cells.comparison_cell(survival.pk, comparison.pk, "hr_lower")
    upper = cells.comparison_cell(survival.pk, comparison.pk, "hr_upper")
    save(extraction, hr, "0.81")
    save(extraction, lower, "0.62")
    with pytest.raises(ValidationError) as excinfo:
        save(extraction, upper, "0.80")
    assert "lower < hazard ratio < upper" in messages_of(excinfo)
    save(extraction, upper, "1.06")
    with pytest.raises(ValidationError):
        save(extraction, lower, "0.9")
    with pytest.raises(ValidationError):
        save(extraction, hr, "0")
    for key, value in [("log_hr", "-0.21"), ("se_log_hr", "0.14"), ("o_minus_e", "-9.7"), ("v", "45.2")]:
        save(extraction, cells.comparison_cell(survival.pk, comparison.pk, key), value)
    with pytest.raises(ValidationError):
        save(extraction, cells.comparison_cell(survival.pk, comparison.pk, "v"), "-1")
    il2, _ = arms
    save(extraction, cell_of(survival, il2, "total"), 80)
    with pytest.raises(ValidationError):
        save(extraction, cell_of(survival, il2, "events"), 81)


def test_cells_an_outcome_type_does_not_have_are_refused(extraction, form, study, arms, save):
    il2, _ = arms
    with pytest.raises(ValidationError) as excinfo:
        save(extraction, cell_of(form["relapse"], il2, "mean"), 1)
    assert "has no “mean”" in messages_of(excinfo)
    comparison = study.comparisons.get()
    with pytest.raises(ValidationError):
        save(extraction, cells.comparison_cell(form["relapse"].pk, comparison.pk, "hr"), 1)
    with pytest.raises(ValidationError):
        save(extraction, "not a cell", 1)


def test_form_field_kinds(extraction, form, arms, save):
    save(extraction, f"f{form['year'].pk}", "2008")
    assert save(extraction, f"f{form['design'].pk}", "Parallel").value == "parallel"
    with pytest.raises(ValidationError) as excinfo:
        save(extraction, f"f{form['design'].pk}", "cluster")
    assert "parallel, crossover" in messages_of(excinfo)
    assert save(extraction, f"f{form['blinded'].pk}", "Yes").value is True
    assert save(extraction, f"f{form['blinded'].pk}", "no").value is False
    with pytest.raises(ValidationError):
        save(extraction, f"f{form['blinded'].pk}", "perhaps")
    with pytest.raises(ValidationError):
        save(extraction, f"f{form['year'].pk}", "two thousand")
    il2, _ = arms
    assert save(extraction, f"f{form['dose_category'].pk}:a{il2.pk}", " high ").value == "high"
    with pytest.raises(ValidationError):  # an arm field needs an arm, a study field has none
        save(extraction, f"f{form['dose_category'].pk}", "high")
    with pytest.raises(ValidationError):
        save(extraction, f"f{form['year'].pk}:a{il2.pk}", "2008")


def test_clearing_a_cell_keeps_its_version_history(extraction, form, arms, save):
    il2, _ = arms
    cell = cell_of(form["relapse"], il2, "events")
    save(extraction, cell, 5)
    cleared = save(extraction, cell, "")
    assert cleared.value is None and cleared.version == 2


# ---- SD from SE or from a 95% CI ----------------------------------------------------------------


def test_sd_from_se():
    sd, source = cells.sd_from_entry(how="se", numbers=[0.5], n=100)
    assert sd == pytest.approx(5.0)
    assert source["formula"] == "SD = SE × √n = 0.5 × √100"


def test_sd_from_ci_large_sample_uses_1_96():
    sd, source = cells.sd_from_entry(how="ci", numbers=[10.0, 14.0], n=100)
    assert sd == pytest.approx(math.sqrt(100) * 4.0 / 3.92)
    assert "2 × 1.96" in source["formula"]


def test_sd_from_ci_small_sample_uses_t():
    sd, source = cells.sd_from_entry(how="ci", numbers=[10.0, 14.0], n=25)
    assert sd == pytest.approx(5 * 4.0 / (2 * stats.t.ppf(0.975, 24)))
    assert "t(0.975, 24) = 2.0639" in source["formula"]


@pytest.mark.parametrize(
    "typed,expected",
    [("se 0.4", ("se", [0.4])), ("SE: 1e-1", ("se", [0.1])), ("ci 1.2 3.4", ("ci", [1.2, 3.4])),
     ("ci -1.5 to 2", ("ci", [-1.5, 2.0])), ("CI 1.2-3.4", ("ci", [1.2, 3.4])), ("ci 1.2, 3.4", ("ci", [1.2, 3.4])),
     ("12.5", None)],
)  # fmt: skip
def test_parse_sd_entry(typed, expected):
    assert cells.parse_sd_entry(typed) == expected


def test_sd_typed_as_se_or_ci_is_converted_shown_and_follows_n(extraction, form, arms, save):
    qol, (il2, _) = form["qol"], arms
    sd_cell = cell_of(qol, il2, "sd")
    with pytest.raises(ValidationError) as excinfo:
        save(extraction, sd_cell, "se 2")
    assert "Enter n for this arm first" in messages_of(excinfo)
    save(extraction, cell_of(qol, il2, "n"), 64)
    saved = save(extraction, sd_cell, "se 2")
    assert saved.value == pytest.approx(16.0)
    assert saved.source["entered_as"] == "se" and "√64" in saved.source["formula"]
    save(extraction, cell_of(qol, il2, "n"), 100)  # the SD follows n: 2 × √100
    assert ExtractedValue.objects.get(extraction=extraction, cell=sd_cell).value == pytest.approx(20.0)
    saved = save(extraction, sd_cell, "ci 10 14")
    assert saved.value == pytest.approx(10 * 4 / 3.92)
    with pytest.raises(ValidationError):
        save(extraction, sd_cell, "ci 14 10")
    typed = save(extraction, sd_cell, "7")
    assert typed.value == 7 and typed.source is None
