"""The recompute protocol in one process: versions, conditional stores, re-stamping, attempts, failures."""

import pytest

from analysis import engine, services
from analysis.models import AnalysisResult, ResultStatus
from analysis.recompute.compute import gather_input
from extraction.selectors.analysis_input import analysis_rows
from tests.analysis.builders import (
    EQUAL_VARIANCE_TRIALS,
    continuous_review,
    dichotomous_review,
    events_cell,
    save,
)


@pytest.fixture
def built(review, owner, reviewer):
    return dichotomous_review(review, owner, reviewer)


@pytest.fixture
def analysis(review, owner, built):
    return services.analysis_create(review=review, user=owner, outcome=built.outcome, name="Tuberculosis OR")


def current(analysis):
    analysis.refresh_from_db()
    return analysis.current_result


def test_result_has_the_engines_numbers_and_keeps_its_inputs(review, analysis, built):
    outcome = services.recompute(analysis_id=analysis.pk)
    assert outcome.status == "stored"
    result = current(analysis)
    review.refresh_from_db()
    assert result.data_version == review.data_version
    assert result.status == ResultStatus.OK
    rows = analysis_rows(review_id=review.pk, outcome_id=built.outcome.pk)
    expected = engine.run_pooled_analysis(rows, "OR", "REML", egger=True)
    assert result.numbers["estimate"] == pytest.approx(expected["estimate"], abs=1e-12)
    assert result.numbers["tau2"] == pytest.approx(expected["tau2"], abs=1e-12)
    assert result.input_rows["rows"] == rows
    assert [w["study"] for w in result.weights] == [s["study"] for s in expected["studies"]]
    assert sum(w["weight"] for w in result.weights) == pytest.approx(100)
    assert result.engine_version == engine.ENGINE_VERSION
    assert len(result.input_hash) == 64
    assert result.duration_ms >= 0


def test_a_duplicate_delivery_costs_nothing(analysis):
    services.recompute(analysis_id=analysis.pk)
    again = services.recompute(analysis_id=analysis.pk)
    assert again.status == "current"
    assert AnalysisResult.objects.filter(analysis=analysis).count() == 1


def test_an_edit_makes_the_result_stale_until_recomputed(review, analysis, built, reviewer):
    services.recompute(analysis_id=analysis.pk)
    first = current(analysis)
    study = built.studies[0]
    save(built.extractions[study.pk], reviewer, events_cell(built.outcome, built.arms[study.pk][0]), 9)
    review.refresh_from_db()
    assert first.data_version < review.data_version
    assert services.stale_analysis_ids() == [analysis.pk]
    assert services.recompute(analysis_id=analysis.pk).status == "stored"
    second = current(analysis)
    assert second.data_version == review.data_version
    assert second.numbers["estimate"] != first.numbers["estimate"]
    assert services.stale_analysis_ids() == []


def test_an_edit_of_another_outcome_restamps_without_computing(review, owner, reviewer, analysis, built):
    services.recompute(analysis_id=analysis.pk)
    first = current(analysis)
    other = dichotomous_review(
        review, owner, reviewer, trials=[("Other 2001", (1, 10), (2, 10))], name="Other"
    )
    assert other.outcome != built.outcome
    assert services.recompute(analysis_id=analysis.pk).status == "unchanged"
    again = current(analysis)
    review.refresh_from_db()
    assert again.pk == first.pk and again.data_version == review.data_version


def test_an_older_computation_never_replaces_a_newer_result(review, analysis, built, reviewer):
    from analysis.recompute import protocol

    old_version = review.__class__.objects.get(pk=review.pk).data_version
    old_bundle = gather_input(analysis)
    study = built.studies[1]
    save(built.extractions[study.pk], reviewer, events_cell(built.outcome, built.arms[study.pk][0]), 12)
    services.recompute(analysis_id=analysis.pk)
    newest = current(analysis)
    fields = {
        "status": ResultStatus.OK,
        "input_hash": "x" * 64,
        "input_rows": old_bundle,
        "engine_version": "x",
    }
    assert protocol._store(analysis.pk, old_version, analysis.definition_version, fields) is False
    assert current(analysis).pk == newest.pk
    assert not AnalysisResult.objects.filter(analysis=analysis, data_version=old_version).exists()


def test_a_changed_definition_makes_a_new_result(review, owner, analysis):
    services.recompute(analysis_id=analysis.pk)
    services.analysis_update(analysis=analysis, user=owner, method="DL", confidence_method="knha")
    assert services.stale_analysis_ids() == [analysis.pk]
    assert services.recompute(analysis_id=analysis.pk).status == "stored"
    result = current(analysis)
    assert result.numbers["method"] == "DL" and result.numbers["test"] == "knha"


def test_data_the_engine_refuses_is_a_failed_result_with_its_message(review, owner, reviewer):
    built = dichotomous_review(review, owner, reviewer, trials=[("Only 1999", (3, 20), (5, 20))])
    analysis = services.analysis_create(
        review=review, user=owner, outcome=built.outcome, name="One study", confidence_method="knha"
    )
    assert services.recompute(analysis_id=analysis.pk).status == "failed"
    result = current(analysis)
    assert result.status == ResultStatus.FAILED
    assert "needs at least 2 studies" in result.error


def test_attempts_are_bounded_per_version(review, analysis, settings):
    """A message redelivered after every OOM kill ends as a failed result instead of looping."""
    settings.RECOMPUTE_MAX_ATTEMPTS = 2
    version = review.__class__.objects.get(pk=review.pk).data_version
    # Two earlier deliveries of this version started and never finished (their worker was killed).
    type(analysis).objects.filter(pk=analysis.pk).update(
        attempt_data_version=version, attempt_definition_version=analysis.definition_version, attempts=2
    )
    assert services.recompute(analysis_id=analysis.pk).status == "gave_up"
    result = current(analysis)
    assert result.status == ResultStatus.FAILED and "Gave up after 2 attempts" in result.error
    assert services.recompute(analysis_id=analysis.pk).status == "current"


def test_giving_up_says_what_is_known_and_blames_no_cause_without_evidence(review, analysis, settings):
    settings.RECOMPUTE_MAX_ATTEMPTS = 2
    version = review.__class__.objects.get(pk=review.pk).data_version
    type(analysis).objects.filter(pk=analysis.pk).update(
        attempt_data_version=version, attempt_definition_version=analysis.definition_version, attempts=2
    )
    services.recompute(analysis_id=analysis.pk)
    error = current(analysis).error
    assert "memory" not in error
    assert "no error was recorded" in error and f"data version {version}" in error


def test_equal_variances_store_the_analysis_with_eggers_test_not_applicable(review, owner, reviewer):
    built = continuous_review(review, owner, reviewer, EQUAL_VARIANCE_TRIALS)
    analysis = services.analysis_create(review=review, user=owner, outcome=built.outcome, name="Equal")
    assert services.recompute(analysis_id=analysis.pk).status == "stored"
    result = current(analysis)
    assert result.status == ResultStatus.OK
    assert "same standard error" in result.numbers["not_applicable"]["egger"]
    assert any("Egger's test not applicable" in warning for warning in result.warnings)


def test_a_computation_that_raises_is_failed_at_once_with_its_error(analysis, settings):
    settings.RECOMPUTE_TEST_FAULT = "division by zero in a test"
    assert services.recompute(analysis_id=analysis.pk).status == "failed"
    result = current(analysis)
    assert result.status == ResultStatus.FAILED
    assert result.error == "The computation failed: ZeroDivisionError: division by zero in a test"
    assert services.recompute(analysis_id=analysis.pk).status == "current"


def test_a_removed_analysis_is_gone_quietly(owner, analysis):
    services.analysis_delete(analysis=analysis, user=owner)
    assert services.recompute(analysis_id=analysis.pk).status == "gone"


def test_old_results_are_pruned(review, analysis, built, reviewer):
    from analysis.recompute.protocol import KEEP_RESULTS

    study = built.studies[0]
    cell = events_cell(built.outcome, built.arms[study.pk][0])
    for events in range(KEEP_RESULTS + 3):
        save(built.extractions[study.pk], reviewer, cell, events + 1)
        services.recompute(analysis_id=analysis.pk)
    assert AnalysisResult.objects.filter(analysis=analysis).count() == KEEP_RESULTS
