"""The permission matrix of reviews and members, on every page and endpoint.

Owner, reviewer, viewer, outsider and anonymous, for each page and API call the
foundation has. Non-members get 404 (a review they are not in does not exist
for them), members whose role is too low get 403, anonymous users are sent to
sign in (pages) or get 401 (API).
"""

import pytest
from django.urls import reverse

from reviews.models import ReviewMembership, Role

PEOPLE = ["owner", "reviewer", "viewer", "outsider", "anonymous"]


def person(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


def page_client(client, user):
    if user is not None:
        client.force_login(user)
    return client


# (page, method, expected status for owner, reviewer, viewer, outsider, anonymous)
# 302 for anonymous: sent to the sign-in page. POSTs that succeed redirect (302).
PAGES = [
    ("reviews:detail", "get", [200, 200, 200, 404, 302]),
    ("reviews:members", "get", [200, 200, 200, 404, 302]),
    ("reviews:settings", "get", [200, 403, 403, 404, 302]),
    ("reviews:settings", "post", [302, 403, 403, 404, 302]),
    ("reviews:members", "post", [302, 403, 403, 404, 302]),
]


@pytest.mark.parametrize("page,method,expected", PAGES, ids=[f"{p}-{m}" for p, m, _ in PAGES])
@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_review_pages(request, client, review, outsider, page, method, expected, index, who):
    client = page_client(client, person(request, who))
    url = reverse(page, kwargs={"review_id": review.pk})
    if method == "get":
        response = client.get(url)
    elif page == "reviews:settings":
        response = client.post(
            url, {"title": "Renamed", "question": "", "reviewers_per_record": 2, "extractions_per_study": 1}
        )
    else:
        response = client.post(url, {"user": outsider.username, "role": Role.VIEWER})
    assert response.status_code == expected[index]
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_member_role_and_remove_pages(request, client, review, index, who):
    target = ReviewMembership.objects.get(review=review, role=Role.VIEWER)
    client = page_client(client, person(request, who))
    expected = [302, 403, 403, 404, 302][index]
    role_url = reverse("reviews:member_role", kwargs={"review_id": review.pk, "membership_id": target.pk})
    assert client.post(role_url, {"role": Role.REVIEWER}).status_code == expected
    target.refresh_from_db()
    assert target.role == (Role.REVIEWER if who == "owner" else Role.VIEWER)
    remove_url = reverse("reviews:member_remove", kwargs={"review_id": review.pk, "membership_id": target.pk})
    assert client.post(remove_url).status_code == expected
    assert ReviewMembership.objects.filter(pk=target.pk).exists() == (who != "owner")


def test_home_lists_only_my_reviews(client, review, other_review, reviewer):
    client.force_login(reviewer)
    body = client.get(reverse("home")).content.decode()
    assert review.title in body
    assert other_review.title not in body


def test_membership_of_another_review_answers_404(client, owner, review, other_review):
    """An owner cannot reach another review's members by putting their ids in this review's URL."""
    foreign = other_review.memberships.get()
    client.force_login(owner)
    url = reverse("reviews:member_remove", kwargs={"review_id": review.pk, "membership_id": foreign.pk})
    assert client.post(url).status_code == 404
    assert ReviewMembership.objects.filter(pk=foreign.pk).exists()


def test_create_review_page_needs_login(client, owner):
    url = reverse("reviews:create")
    assert client.get(url).status_code == 302
    client.force_login(owner)
    assert client.get(url).status_code == 200


# ---- API ---------------------------------------------------------------------------------------

API = [
    ("api-review", "get", None, [200, 200, 200, 404, 401]),
    ("api-review", "patch", {"title": "Renamed"}, [200, 403, 403, 404, 401]),
    ("api-members", "get", None, [200, 200, 200, 404, 401]),
    ("api-members", "post", {"user": "newcomer", "role": "viewer"}, [201, 403, 403, 404, 401]),
]


@pytest.mark.parametrize("name,method,body,expected", API, ids=[f"{n}-{m}" for n, m, _, _ in API])
@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_review_api(request, api_client_for, review, outsider, name, method, body, expected, index, who):
    from tests.conftest import make_user

    make_user("newcomer")
    client = api_client_for(person(request, who))
    url = reverse(name, kwargs={"review_id": review.pk})
    response = getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
    assert response.status_code == expected[index], response.content


@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_member_api(request, api_client_for, review, index, who):
    target = ReviewMembership.objects.get(review=review, role=Role.VIEWER)
    client = api_client_for(person(request, who))
    url = reverse("api-member", kwargs={"review_id": review.pk, "membership_id": target.pk})
    expected_patch, expected_delete = [(200, 204), (403, 403), (403, 403), (404, 404), (401, 401)][index]
    assert client.patch(url, {"role": "reviewer"}, format="json").status_code == expected_patch
    assert client.delete(url).status_code == expected_delete


def test_api_review_list_is_scoped(api_client_for, reviewer, review, other_review):
    response = api_client_for(reviewer).get(reverse("api-reviews"))
    assert response.status_code == 200
    assert [r["id"] for r in response.json()] == [review.pk]


def test_api_token_authentication(client, reviewer, review):
    from rest_framework.test import APIClient

    from tests.conftest import PASSWORD

    token = client.post(reverse("api-token"), {"username": reviewer.username, "password": PASSWORD}).json()[
        "token"
    ]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(reverse("api-review", kwargs={"review_id": review.pk})).status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api.get(reverse("api-review", kwargs={"review_id": review.pk})).status_code == 401


def test_api_schema_and_docs_are_served_without_network(client, reviewer):
    client.force_login(reviewer)
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/reviews/{review_id}/members/" in schema.json()["paths"]
    docs = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs
