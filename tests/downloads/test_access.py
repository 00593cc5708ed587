"""The permission matrix of every download page and endpoint, and other reviews' objects.

Members download (viewers included); screening decisions are for owners; outsiders get 404;
anonymous users are sent to sign in (pages) or get 401/403 (API). A job belongs to the
member who started it.
"""

import pytest
from django.urls import reverse

from analysis import services
from downloads import building as download_building
from downloads import services as download_services
from reviews import services as review_services
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


@pytest.fixture
def owners_job(review, owner, analysis):
    job = download_services.download_job_start(review=review, user=owner, kind="bundle")
    download_building.download_job_run(job_id=job.pk)
    return job


ALL_MEMBERS = [200, 200, 200, 404, 302]
# (URL name, method, kwargs besides review_id, expected for owner, reviewer, viewer, outsider, anonymous)
PAGES = [
    ("downloads:index", "get", {}, ALL_MEMBERS),
    ("downloads:review-file", "get", {"name": "data.zip"}, ALL_MEMBERS),
    ("downloads:review-file", "get", {"name": "prisma.svg"}, ALL_MEMBERS),
    ("downloads:review-file", "get", {"name": "prisma.png"}, ALL_MEMBERS),
    ("downloads:review-file", "get", {"name": "prisma.csv"}, ALL_MEMBERS),
    ("downloads:review-file", "get", {"name": "screening.csv"}, [200, 403, 403, 404, 302]),
    ("downloads:review-file", "get", {"name": "screening.xlsx"}, [200, 403, 403, 404, 302]),
    ("downloads:review-file", "get", {"name": "secrets.txt"}, [404, 404, 404, 404, 302]),
    ("downloads:analysis-file", "get", {"name": "pooled.csv"}, ALL_MEMBERS),
    ("downloads:analysis-file", "get", {"name": "studies.csv"}, ALL_MEMBERS),
    ("downloads:analysis-file", "get", {"name": "results.xlsx"}, ALL_MEMBERS),
    ("downloads:analysis-file", "get", {"name": "results.json"}, ALL_MEMBERS),
    ("downloads:analysis-file", "get", {"name": "forest.svg"}, ALL_MEMBERS),
    ("downloads:analysis-file", "get", {"name": "funnel.png"}, ALL_MEMBERS),
    ("downloads:analysis-file", "get", {"name": "km.png"}, [404, 404, 404, 404, 302]),
    ("downloads:job-start", "post", {}, [302, 302, 302, 404, 302]),
    ("downloads:job", "get", {"job": True}, [200, 404, 404, 404, 302]),
    ("downloads:job-file", "get", {"job": True}, [200, 404, 404, 404, 302]),
]


def _kwargs(review, analysis, job, extra):
    kwargs = {"review_id": review.pk}
    if "name" in extra:
        kwargs["name"] = extra["name"]
    if extra.get("job"):
        kwargs["job_id"] = job.pk
    return kwargs


@pytest.mark.parametrize("name,method,extra,expected", PAGES, ids=[f"{p[0]}-{p[2]}-{p[1]}" for p in PAGES])
@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_pages(request, client, review, analysis, owners_job, name, method, extra, expected, index, who):
    user = person(request, who)
    if user is not None:
        client.force_login(user)
    kwargs = _kwargs(review, analysis, owners_job, extra)
    if name == "downloads:analysis-file":
        kwargs["analysis_id"] = analysis.pk
    url = reverse(name, kwargs=kwargs)
    response = client.get(url) if method == "get" else client.post(url, {"kind": "bundle"})
    assert response.status_code == expected[index], response.content[:300]
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


API = [
    ("downloads_api:list", "get", {}, [200, 200, 200, 404, 401]),
    ("downloads_api:review-file", "get", {"name": "data.zip"}, [200, 200, 200, 404, 401]),
    ("downloads_api:review-file", "get", {"name": "prisma.csv"}, [200, 200, 200, 404, 401]),
    ("downloads_api:review-file", "get", {"name": "screening.csv"}, [200, 403, 403, 404, 401]),
    ("downloads_api:analysis-file", "get", {"name": "pooled.csv"}, [200, 200, 200, 404, 401]),
    ("downloads_api:analysis-file", "get", {"name": "results.json"}, [200, 200, 200, 404, 401]),
    ("downloads_api:jobs", "get", {}, [200, 200, 200, 404, 401]),
    ("downloads_api:jobs", "post", {}, [202, 202, 202, 404, 401]),
    ("downloads_api:job", "get", {"job": True}, [200, 404, 404, 404, 401]),
    ("downloads_api:job-file", "get", {"job": True}, [200, 404, 404, 404, 401]),
]


@pytest.mark.parametrize("name,method,extra,expected", API, ids=[f"{p[0]}-{p[2]}-{p[1]}" for p in API])
@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_api(
    request, api_client_for, review, analysis, owners_job, name, method, extra, expected, index, who
):
    client = api_client_for(person(request, who))
    kwargs = _kwargs(review, analysis, owners_job, extra)
    if name == "downloads_api:analysis-file":
        kwargs["analysis_id"] = analysis.pk
    url = reverse(name, kwargs=kwargs)
    response = client.get(url) if method == "get" else client.post(url, {"kind": "data_xlsx"}, format="json")
    allowed = {expected[index], 403} if who == "anonymous" else {expected[index]}
    assert response.status_code in allowed, response.content[:300]


def test_another_reviews_analysis_and_job_answer_404_under_my_review(
    client, review, owner, analysis, owners_job
):
    mine = review_services.review_create(owner=owner, title="Mine")
    client.force_login(owner)
    for url in (
        reverse(
            "downloads:analysis-file",
            kwargs={"review_id": mine.pk, "analysis_id": analysis.pk, "name": "pooled.csv"},
        ),
        reverse("downloads:job", kwargs={"review_id": mine.pk, "job_id": owners_job.pk}),
        reverse("downloads:job-file", kwargs={"review_id": mine.pk, "job_id": owners_job.pk}),
    ):
        assert client.get(url).status_code == 404, url
