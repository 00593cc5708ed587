"""The permission matrix of every analysis page and endpoint, and other reviews' analyses.

Owners add, change and remove analyses; every member reads them; outsiders get 404;
anonymous users are sent to sign in (pages) or get 401/403 (API).
"""

import pytest
from django.urls import reverse

from analysis import services
from analysis.models import Analysis
from tests.analysis.builders import dichotomous_review

PEOPLE = ["owner", "reviewer", "viewer", "outsider", "anonymous"]


def person(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.fixture
def analysis(review, owner, reviewer):
    built = dichotomous_review(review, owner, reviewer)
    analysis = services.analysis_create(review=review, user=owner, outcome=built.outcome, name="TB")
    services.recompute(analysis_id=analysis.pk)
    return analysis


def form_data(analysis, **changes):
    data = {
        "name": "TB again",
        "outcome": analysis.outcome_id,
        "measure": "RR",
        "method": "DL",
        "confidence_method": "z",
        "prediction_interval": "on",
        "subgroup": "",
        "moderators": "",
        "hazard_source": "",
        "time_column": "time",
        "event_column": "event",
        "interaction_covariates": "",
    }
    data.update(changes)
    return data


# (URL name, method, needs the analysis, expected for owner, reviewer, viewer, outsider, anonymous)
PAGES = [
    ("analysis:list", "get", False, [200, 200, 200, 404, 302]),
    ("analysis:table", "get", False, [200, 200, 200, 404, 302]),
    ("analysis:add", "get", False, [200, 403, 403, 404, 302]),
    ("analysis:add", "post", False, [302, 403, 403, 404, 302]),
    ("analysis:defaults", "post", False, [302, 403, 403, 404, 302]),
    ("analysis:detail", "get", True, [200, 200, 200, 404, 302]),
    ("analysis:status", "get", True, [200, 200, 200, 404, 302]),
    ("analysis:change", "get", True, [200, 403, 403, 404, 302]),
    ("analysis:change", "post", True, [302, 403, 403, 404, 302]),
    ("analysis:remove", "post", True, [302, 403, 403, 404, 302]),
]


@pytest.mark.parametrize("name,method,with_analysis,expected", PAGES, ids=[f"{p[0]}-{p[1]}" for p in PAGES])
@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_pages(request, client, review, analysis, name, method, with_analysis, expected, index, who):
    user = person(request, who)
    if user is not None:
        client.force_login(user)
    kwargs = {"review_id": review.pk}
    if with_analysis:
        kwargs["analysis_id"] = analysis.pk
    url = reverse(name, kwargs=kwargs)
    response = client.get(url) if method == "get" else client.post(url, form_data(analysis))
    assert response.status_code == expected[index], response.content[:500]
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    if name == "analysis:remove" and who == "owner":
        assert not Analysis.objects.filter(pk=analysis.pk).exists()


# (URL name, method, expected for owner, reviewer, viewer, outsider, anonymous)
ENDPOINTS = [
    ("api-analyses", "get", [200, 200, 200, 404, 403]),
    ("api-analyses", "post", [201, 403, 403, 404, 403]),
    ("api-analysis", "get", [200, 200, 200, 404, 403]),
    ("api-analysis", "patch", [200, 403, 403, 404, 403]),
    ("api-analysis", "delete", [204, 403, 403, 404, 403]),
    ("api-analysis-result", "get", [200, 200, 200, 404, 403]),
    ("api-analysis-status", "get", [200, 200, 200, 404, 403]),
]


@pytest.mark.parametrize("name,method,expected", ENDPOINTS, ids=[f"{e[0]}-{e[1]}" for e in ENDPOINTS])
@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_api(request, api_client_for, review, analysis, name, method, expected, index, who):
    client = api_client_for(person(request, who))
    kwargs = {"review_id": review.pk}
    if name != "api-analyses":
        kwargs["analysis_id"] = analysis.pk
    url = reverse(name, kwargs=kwargs)
    body = {"outcome": analysis.outcome_id, "name": "Second", "method": "DL"} if method != "get" else None
    response = getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
    allowed = {expected[index], 401} if who == "anonymous" else {expected[index]}
    assert response.status_code in allowed, response.content[:300]


@pytest.mark.parametrize("name", ["analysis:detail", "analysis:status", "analysis:change", "analysis:remove"])
def test_another_reviews_analysis_answers_404_even_to_its_url_in_my_review(
    client, review, other_review, owner, analysis, name
):
    """An analysis id of review A, asked for under review B (where the user is owner), does not exist."""
    from reviews import services as review_services

    mine = review_services.review_create(owner=owner, title="Mine")
    client.force_login(owner)
    url = reverse(name, kwargs={"review_id": mine.pk, "analysis_id": analysis.pk})
    response = client.get(url) if name != "analysis:remove" else client.post(url)
    assert response.status_code == 404
    assert Analysis.objects.filter(pk=analysis.pk).exists()


def test_api_refuses_an_outcome_of_another_review(
    api_client_for, review, owner, other_review, outsider, reviewer
):
    from extraction import services as extraction

    theirs = extraction.outcome_create(review=other_review, user=outsider, name="Theirs", kind="dichotomous")
    response = api_client_for(owner).post(
        reverse("api-analyses", kwargs={"review_id": review.pk}), {"outcome": theirs.pk}, format="json"
    )
    assert response.status_code == 400
    assert "outcome" in response.json()
