"""What reviewers see: the dashboard, the analysis page and its live status, the owner's form, the API."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from analysis import services
from analysis.models import Analysis
from tests.analysis.builders import dichotomous_review, events_cell, save


@pytest.fixture
def built(review, owner, reviewer):
    return dichotomous_review(review, owner, reviewer)


@pytest.fixture
def analysis(review, owner, built):
    analysis = services.analysis_create(review=review, user=owner, outcome=built.outcome, name="TB")
    services.recompute(analysis_id=analysis.pk)
    analysis.refresh_from_db()
    return analysis


def edit(built, reviewer, events=40):
    study = built.studies[0]
    save(built.extractions[study.pk], reviewer, events_cell(built.outcome, built.arms[study.pk][0]), events)


def test_dashboard_shows_each_analysis_with_its_pooled_estimate_and_status(
    client, reviewer, review, analysis
):
    client.force_login(reviewer)
    page = client.get(reverse("analysis:list", kwargs={"review_id": review.pk})).content.decode()
    estimate = analysis.current_result.numbers["summary"]["estimate"]
    assert "TB" in page and f"{estimate:.2f}" in page
    assert 'data-state="current"' in page and "hx-trigger" not in page.split('id="analysis-table"')[1][:200]


def test_analysis_page_shows_the_numbers_and_the_forest_plot(client, reviewer, review, analysis):
    client.force_login(reviewer)
    page = client.get(reverse("analysis:detail", kwargs={"review_id": review.pk, "analysis_id": analysis.pk}))
    html = page.content.decode()
    numbers = analysis.current_result.numbers
    assert f"{numbers['summary']['estimate']:.3f}" in html
    assert "Egger" in html and "prediction interval" in html
    assert 'id="forest-plot"' in html and "<svg" in html
    assert "Aronson 1948" in html


def test_after_an_edit_the_page_says_recomputing_until_the_new_result_is_in(
    client, reviewer, review, built, analysis
):
    client.force_login(reviewer)
    status_url = reverse("analysis:status", kwargs={"review_id": review.pk, "analysis_id": analysis.pk})
    first = client.get(
        reverse("analysis:detail", kwargs={"review_id": review.pk, "analysis_id": analysis.pk})
    )
    token = first.context["token"]
    assert client.get(status_url, {"shown": token}).content.decode().count('id="analysis-result"') == 0

    edit(built, reviewer)
    stale = client.get(status_url, {"shown": token}).content.decode()
    assert 'data-state="recomputing"' in stale and "Recomputing" in stale
    assert 'hx-swap-oob="true"' in stale and "not the current data" in stale
    api = client.get(
        reverse("api-analysis-result", kwargs={"review_id": review.pk, "analysis_id": analysis.pk})
    )
    assert api.json()["stale"] is True and api.json()["state"] == "recomputing"

    services.recompute(analysis_id=analysis.pk)
    fresh = client.get(status_url, {"shown": client.get(status_url).context["token"]})
    assert 'data-state="current"' in fresh.content.decode()
    payload = client.get(
        reverse("api-analysis-result", kwargs={"review_id": review.pk, "analysis_id": analysis.pk})
    ).json()
    assert payload["stale"] is False and payload["result"]["data_version"] == payload["data_version"]


def test_owner_adds_changes_and_removes_an_analysis_in_the_browser(client, owner, review, built):
    client.force_login(owner)
    add = reverse("analysis:add", kwargs={"review_id": review.pk})
    response = client.post(
        add,
        {
            "name": "TB, risk ratio",
            "outcome": built.outcome.pk,
            "measure": "RR",
            "method": "DL",
            "confidence_method": "knha",
            "subgroup": "",
            "moderators": "",
            "time_column": "time",
            "event_column": "event",
        },
    )
    analysis = Analysis.objects.get(name="TB, risk ratio")
    assert response.status_code == 302 and (analysis.measure, analysis.method) == ("RR", "DL")
    assert analysis.prediction_interval is False  # an unticked box

    refused = client.post(
        reverse("analysis:change", kwargs={"review_id": review.pk, "analysis_id": analysis.pk}),
        {
            "name": "TB",
            "outcome": built.outcome.pk,
            "measure": "MD",
            "method": "REML",
            "confidence_method": "z",
            "time_column": "time",
            "event_column": "event",
        },
    )
    assert refused.status_code == 200 and "takes OR, RR, RD" in refused.content.decode()

    client.post(
        reverse("analysis:change", kwargs={"review_id": review.pk, "analysis_id": analysis.pk}),
        {
            "name": "TB, odds ratio",
            "outcome": built.outcome.pk,
            "measure": "OR",
            "method": "REML",
            "confidence_method": "z",
            "prediction_interval": "on",
            "time_column": "time",
            "event_column": "event",
        },
    )
    analysis.refresh_from_db()
    assert (analysis.name, analysis.measure, analysis.definition_version) == ("TB, odds ratio", "OR", 2)

    client.post(reverse("analysis:remove", kwargs={"review_id": review.pk, "analysis_id": analysis.pk}))
    assert not Analysis.objects.filter(pk=analysis.pk).exists()


def test_default_analyses_are_made_once_per_outcome_with_data(client, owner, review, built):
    client.force_login(owner)
    client.post(reverse("analysis:defaults", kwargs={"review_id": review.pk}))
    default = Analysis.objects.get(outcome=built.outcome)
    assert (default.measure, default.method, default.confidence_method, default.prediction_interval) == (
        "OR",
        "REML",
        "z",
        True,
    )
    assert default.is_default
    default.delete()
    client.post(reverse("analysis:defaults", kwargs={"review_id": review.pk}))
    assert not Analysis.objects.filter(outcome=built.outcome).exists()  # a removed default stays removed


def test_api_creates_reads_and_changes_an_analysis(api_client_for, owner, viewer, review, built):
    url = reverse("api-analyses", kwargs={"review_id": review.pk})
    created = api_client_for(owner).post(
        url, {"outcome": built.outcome.pk, "name": "API", "measure": "RR", "moderators": []}, format="json"
    )
    assert created.status_code == 201, created.json()
    analysis_id = created.json()["id"]
    listed = api_client_for(viewer).get(url).json()
    assert [a["id"] for a in listed] == [analysis_id]
    detail = reverse("api-analysis", kwargs={"review_id": review.pk, "analysis_id": analysis_id})
    changed = api_client_for(owner).patch(detail, {"method": "PETO"}, format="json")
    assert changed.status_code == 400 and "Peto" in str(changed.json())
    changed = api_client_for(owner).patch(
        detail, {"method": "PM", "confidence_method": "knha"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["definition_version"] == 2
    status = (
        api_client_for(viewer)
        .get(reverse("api-analysis-status", kwargs={"review_id": review.pk, "analysis_id": analysis_id}))
        .json()
    )
    assert status["state"] == "recomputing" and status["result_version"] is None


def test_a_failed_analysis_shows_its_error_in_its_row_and_the_dashboard_still_works(
    client, owner, reviewer, viewer, review, built, analysis
):
    broken = services.analysis_create(
        review=review,
        user=owner,
        outcome=built.outcome,
        name="By a missing column",
        subgroup="no_such_column",
    )
    assert services.recompute(analysis_id=broken.pk).status == "failed"
    broken.refresh_from_db()
    error = broken.current_result.error
    assert error
    for person in (owner, reviewer, viewer):
        client.force_login(person)
        for name in ("analysis:list", "analysis:table"):
            response = client.get(reverse(name, kwargs={"review_id": review.pk}))
            assert response.status_code == 200, (person, name)
            page = response.content.decode()
            failed_row = page.split(f'data-analysis="{broken.pk}"')[1].split("</tr>")[0]
            assert 'data-state="failed"' in failed_row and "Failed:" in failed_row
            assert str(escape(error))[:40] in failed_row
            working_row = page.split(f'data-analysis="{analysis.pk}"')[1].split("</tr>")[0]
            assert f"{analysis.current_result.numbers['summary']['estimate']:.2f}" in working_row
        detail = client.get(
            reverse("analysis:detail", kwargs={"review_id": review.pk, "analysis_id": broken.pk})
        )
        assert detail.status_code == 200


@pytest.mark.parametrize("value", [None, "", "n/a", float("nan"), float("inf"), [], {}])
def test_every_number_filter_shows_a_dash_for_a_missing_number(value):
    from analysis.templatetags import analysis_numbers as filters

    assert filters.num(value) == filters.pval(value) == filters.percent(value) == "—"
    assert filters.num(value, 3) == "—" and filters.seconds(value) == ""
