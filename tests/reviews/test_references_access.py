"""The permission matrix of the references pages and API: owner, reviewer, viewer, outsider, anonymous.

Members read; owners and reviewers import and decide duplicates; viewers get 403 for those; outsiders
get 404; anonymous users are sent to sign in (pages) or get 401 (API). Records, imports and candidate
pairs of another review answer 404 even to members of this one.
"""

import pytest
from django.urls import reverse

from reviews.models import DuplicateCandidate, Record, SourceImport
from tests.reviews.import_helpers import import_now, media_root, ris, upload  # noqa: F401

pytestmark = pytest.mark.usefixtures("media_root")

PEOPLE = ["owner", "reviewer", "viewer", "outsider", "anonymous"]
PAIR = ris(
    {
        "title": "Interleukin-2 maintenance after remission",
        "authors": ["Baer, M."],
        "year": 2008,
        "doi": "10.1/a",
    },
    {
        "title": "Interleukin 2 maintenance after remission",
        "authors": ["Baer, M."],
        "year": 2008,
        "doi": "10.1/A",
    },
)


def person(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.fixture
def imported(review, owner):
    """An import of two records that are one pair of duplicate candidates."""
    source_import = import_now(review, owner, "pair.ris", PAIR)
    return source_import, DuplicateCandidate.objects.get(review=review)


def _kwargs(name, review, source_import, candidate):
    kwargs = {"review_id": review.pk}
    if "import" in name and not name.endswith(("import_create", "imports")):
        kwargs["import_id"] = source_import.pk
    if "duplicate_" in name or "duplicate-" in name:
        kwargs["candidate_id"] = candidate.pk
    return kwargs


# (URL name, method, expected for owner, reviewer, viewer, outsider, anonymous)
PAGES = [
    ("reviews:references", "get", [200, 200, 200, 404, 302]),
    ("reviews:import_create", "post", [302, 302, 403, 404, 302]),
    ("reviews:import_detail", "get", [200, 200, 200, 404, 302]),
    ("reviews:import_progress", "get", [200, 200, 200, 404, 302]),
    ("reviews:duplicates", "get", [200, 200, 200, 404, 302]),
    ("reviews:duplicate_confirm", "post", [302, 302, 403, 404, 302]),
    ("reviews:duplicate_reject", "post", [302, 302, 403, 404, 302]),
    ("reviews:duplicate_unmerge", "post", [302, 302, 403, 404, 302]),
]


@pytest.mark.parametrize("name,method,expected", PAGES, ids=[f"{n}-{m}" for n, m, _ in PAGES])
@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_references_pages(request, client, review, imported, name, method, expected, index, who):
    user = person(request, who)
    if user is not None:
        client.force_login(user)
    url = reverse(name, kwargs=_kwargs(name, review, *imported))
    if name == "reviews:import_create":
        response = client.post(
            url, {"file": upload("zotero.ris"), "source_name": "Zotero", "source_kind": "database"}
        )
    else:
        response = getattr(client, method)(url)
    assert response.status_code == expected[index]
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    if name == "reviews:import_create":
        assert SourceImport.objects.filter(file_name="zotero.ris").exists() == (
            expected[index] == 302 and user is not None
        )


API = [
    ("api-imports", "get", [200, 200, 200, 404, 401]),
    ("api-imports", "post", [202, 202, 403, 404, 401]),
    ("api-import", "get", [200, 200, 200, 404, 401]),
    ("api-records", "get", [200, 200, 200, 404, 401]),
    ("api-duplicates", "get", [200, 200, 200, 404, 401]),
    ("api-duplicate-confirm", "post", [200, 200, 403, 404, 401]),
    ("api-duplicate-reject", "post", [200, 200, 403, 404, 401]),
    ("api-duplicate-unmerge", "post", [409, 409, 403, 404, 401]),  # the pair is not merged
]


@pytest.mark.parametrize("name,method,expected", API, ids=[f"{n}-{m}" for n, m, _ in API])
@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_references_api(request, api_client_for, review, imported, name, method, expected, index, who):
    client = api_client_for(person(request, who))
    url = reverse(name, kwargs=_kwargs(name, review, *imported))
    if name == "api-imports" and method == "post":
        response = client.post(
            url,
            {"file": upload("zotero.ris"), "source_name": "Zotero", "source_kind": "database"},
            format="multipart",
        )
    else:
        response = getattr(client, method)(url)
    assert response.status_code == expected[index], response.content


def test_another_reviews_objects_answer_404(client, api_client_for, owner, review, other_review, outsider):
    """A member of this review cannot reach another review's import, records or pairs through this review."""
    foreign_import, foreign_pair = import_now(other_review, outsider, "pair.ris", PAIR), None
    foreign_pair = DuplicateCandidate.objects.get(review=other_review)
    client.force_login(owner)
    api = api_client_for(owner)
    pages = [
        reverse("reviews:import_detail", kwargs={"review_id": review.pk, "import_id": foreign_import.pk}),
        reverse("reviews:import_progress", kwargs={"review_id": review.pk, "import_id": foreign_import.pk}),
    ]
    for url in pages:
        assert client.get(url).status_code == 404
    for action in ("confirm", "reject", "unmerge"):
        kwargs = {"review_id": review.pk, "candidate_id": foreign_pair.pk}
        assert client.post(reverse(f"reviews:duplicate_{action}", kwargs=kwargs)).status_code == 404
        assert api.post(reverse(f"api-duplicate-{action}", kwargs=kwargs)).status_code == 404
    assert (
        api.get(
            reverse("api-import", kwargs={"review_id": review.pk, "import_id": foreign_import.pk})
        ).status_code
        == 404
    )
    foreign_pair.refresh_from_db()
    assert foreign_pair.status == DuplicateCandidate.Status.PENDING

    # Lists of this review show none of the other review's rows.
    assert api.get(reverse("api-records", kwargs={"review_id": review.pk})).json()["count"] == 0
    assert api.get(reverse("api-duplicates", kwargs={"review_id": review.pk})).json()["count"] == 0
    assert api.get(reverse("api-imports", kwargs={"review_id": review.pk})).json()["count"] == 0
    body = client.get(reverse("reviews:references", kwargs={"review_id": review.pk})).content.decode()
    assert "Interleukin" not in body
    assert Record.objects.filter(review=other_review).count() == 2
