"""The permission matrix of every screening and PRISMA page and endpoint.

Owner, reviewer, viewer, outsider and anonymous. Reviewers and owners screen; viewers cannot
(403) but read PRISMA; conflicts, adjudication, reasons, terms and agreement are owner-only;
non-members get 404; anonymous users are sent to sign in (pages) or get 401 (API). Another
review's records and reasons answer 404.
"""

import pytest
from django.urls import reverse

from reviews.models import Decision, RecordStatus, Stage
from reviews.services import screening as services
from tests.reviews import screening_support
from tests.reviews.screening_support import add_records

second_reviewer = screening_support.second_reviewer
PEOPLE = ["owner", "reviewer", "viewer", "outsider", "anonymous"]


@pytest.fixture
def setup(review, reviewer, second_reviewer):
    reasons = services.exclusion_reasons_add_defaults(review=review)
    (ta,) = add_records(review, 1, prefix="TA")
    (ft,) = add_records(review, 1, status=RecordStatus.FULL_TEXT, prefix="FT")
    (conflict,) = add_records(review, 1, prefix="Conflict")
    for user, decision in ((reviewer, Decision.INCLUDE), (second_reviewer, Decision.EXCLUDE)):
        services.record_decision(
            review=review, record_id=conflict.pk, reviewer=user, stage=Stage.TITLE_ABSTRACT, decision=decision
        )
    return {"ta": ta, "ft": ft, "conflict": conflict, "reason": reasons[0]}


def person(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


SCREENER = [200, 200, 403, 404, 302]
SCREENER_POST = [302, 302, 403, 404, 302]
OWNER_GET = [200, 403, 403, 404, 302]
OWNER_POST = [302, 403, 403, 404, 302]
MEMBER_GET = [200, 200, 200, 404, 302]

# (name, method, URL kwargs builder, POST data builder, expected statuses)
PAGES = [
    ("screening", "get", lambda r, s: {}, None, SCREENER),
    ("screening_stage", "get", lambda r, s: {"stage_slug": "full-text"}, None, SCREENER),
    ("screening_card", "get", lambda r, s: {"stage_slug": "title-abstract"}, None, SCREENER),
    (
        "screening_decide",
        "post",
        lambda r, s: {"stage_slug": "title-abstract", "record_id": s["ta"].pk},
        lambda s: {"decision": "include"},
        SCREENER_POST,
    ),
    ("screening_undo", "post", lambda r, s: {"stage_slug": "full-text"}, lambda s: {}, SCREENER_POST),
    ("screening_conflicts", "get", lambda r, s: {}, None, OWNER_GET),
    (
        "screening_adjudicate",
        "post",
        lambda r, s: {"record_id": s["conflict"].pk, "stage_slug": "title-abstract"},
        lambda s: {"decision": "include"},
        OWNER_POST,
    ),
    ("screening_reasons", "get", lambda r, s: {}, None, OWNER_GET),
    (
        "screening_reasons",
        "post",
        lambda r, s: {},
        lambda s: {"label": "Case report", "stage": "full_text"},
        OWNER_POST,
    ),
    ("screening_reasons_defaults", "post", lambda r, s: {}, lambda s: {}, OWNER_POST),
    (
        "screening_reason_edit",
        "post",
        lambda r, s: {"reason_id": s["reason"].pk},
        lambda s: {"action": "retire"},
        OWNER_POST,
    ),
    ("screening_terms", "get", lambda r, s: {}, None, OWNER_GET),
    (
        "screening_terms",
        "post",
        lambda r, s: {},
        lambda s: {"include_terms": "IL-2", "exclude_terms": ""},
        OWNER_POST,
    ),
    ("screening_agreement", "get", lambda r, s: {}, None, OWNER_GET),
    ("prisma", "get", lambda r, s: {}, None, MEMBER_GET),
    ("prisma_live", "get", lambda r, s: {}, None, MEMBER_GET),
    ("prisma_download", "get", lambda r, s: {"fmt": "svg"}, None, MEMBER_GET),
    ("prisma_download", "get", lambda r, s: {"fmt": "png"}, None, MEMBER_GET),
    (
        "prisma_manual_counts",
        "post",
        lambda r, s: {},
        lambda s: {
            "duplicates_removed_before_import": 1,
            "removed_by_automation": 0,
            "removed_other_reasons": 0,
        },
        OWNER_POST,
    ),
]


@pytest.mark.parametrize(
    "name,method,kwargs,data,expected", PAGES, ids=[f"{p[0]}-{p[1]}-{i}" for i, p in enumerate(PAGES)]
)
@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_pages(request, client, review, setup, name, method, kwargs, data, expected, index, who):
    user = person(request, who)
    if user is not None:
        client.force_login(user)
    url = reverse(f"reviews:{name}", kwargs={"review_id": review.pk, **kwargs(review, setup)})
    response = client.get(url) if method == "get" else client.post(url, data(setup))
    assert response.status_code == expected[index]
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


S_API = [200, 200, 403, 404, 401]
OWNER_API = [200, 403, 403, 404, 401]
MEMBER_API = [200, 200, 200, 404, 401]

# (method, path builder, body builder, expected statuses)
ENDPOINTS = [
    ("get", lambda s: "screening/title-abstract/next/", None, S_API),
    ("get", lambda s: "screening/full-text/progress/", None, S_API),
    (
        "post",
        lambda s: "screening/title-abstract/decisions/",
        lambda s: {"record": s["ta"].pk, "decision": "exclude"},
        [201, 201, 403, 404, 401],
    ),
    ("post", lambda s: "screening/title-abstract/undo/", lambda s: {}, S_API),
    ("get", lambda s: "screening/conflicts/", None, OWNER_API),
    (
        "post",
        lambda s: f"screening/conflicts/{s['conflict'].pk}/adjudication/",
        lambda s: {"stage": "title_abstract", "decision": "exclude"},
        [201, 403, 403, 404, 401],
    ),
    ("get", lambda s: "screening/exclusion-reasons/", None, S_API),
    (
        "post",
        lambda s: "screening/exclusion-reasons/",
        lambda s: {"label": "Case report"},
        [201, 403, 403, 404, 401],
    ),
    ("post", lambda s: "screening/exclusion-reasons/defaults/", lambda s: {}, [400, 403, 403, 404, 401]),
    (
        "patch",
        lambda s: f"screening/exclusion-reasons/{s['reason'].pk}/",
        lambda s: {"active": False},
        OWNER_API,
    ),
    ("get", lambda s: "screening/agreement/", None, OWNER_API),
    ("get", lambda s: "screening/terms/", None, S_API),
    (
        "put",
        lambda s: "screening/terms/",
        lambda s: {"include_terms": ["IL-2"], "exclude_terms": []},
        OWNER_API,
    ),
    ("get", lambda s: "prisma/", None, MEMBER_API),
    ("get", lambda s: "prisma/manual-counts/", None, MEMBER_API),
    (
        "put",
        lambda s: "prisma/manual-counts/",
        lambda s: {
            "duplicates_removed_before_import": 1,
            "removed_by_automation": 0,
            "removed_other_reasons": 0,
        },
        OWNER_API,
    ),
]


@pytest.mark.parametrize(
    "method,path,body,expected", ENDPOINTS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ENDPOINTS)]
)
@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_endpoints(request, api_client_for, review, setup, method, path, body, expected, index, who):
    api = api_client_for(person(request, who))
    url = f"/api/reviews/{review.pk}/{path(setup)}"
    call = getattr(api, method)
    response = call(url) if body is None else call(url, body(setup), format="json")
    assert response.status_code == expected[index]


def test_another_reviews_records_and_reasons_answer_404(
    client, api_client_for, review, owner, other_review, setup
):
    (foreign,) = add_records(other_review, 1, prefix="Foreign")
    foreign_reason = services.exclusion_reason_create(review=other_review, label="Wrong population")
    client.force_login(owner)
    ta = {"review_id": review.pk, "stage_slug": "title-abstract"}
    assert (
        client.post(
            reverse("reviews:screening_decide", kwargs={**ta, "record_id": foreign.pk}),
            {"decision": "include"},
        ).status_code
        == 404
    )
    adjudicate = {"review_id": review.pk, "record_id": foreign.pk, "stage_slug": "title-abstract"}
    assert (
        client.post(
            reverse("reviews:screening_adjudicate", kwargs=adjudicate), {"decision": "include"}
        ).status_code
        == 404
    )
    edit = {"review_id": review.pk, "reason_id": foreign_reason.pk}
    assert (
        client.post(reverse("reviews:screening_reason_edit", kwargs=edit), {"action": "retire"}).status_code
        == 404
    )
    ft = {"review_id": review.pk, "stage_slug": "full-text", "record_id": setup["ft"].pk}
    response = client.post(
        reverse("reviews:screening_decide", kwargs=ft),
        {"decision": "exclude", "exclusion_reason": foreign_reason.pk},
    )
    assert response.status_code == 404
    api = api_client_for(owner)
    base = f"/api/reviews/{review.pk}/screening"
    assert (
        api.post(
            f"{base}/title-abstract/decisions/", {"record": foreign.pk, "decision": "include"}
        ).status_code
        == 404
    )
    assert api.patch(f"{base}/exclusion-reasons/{foreign_reason.pk}/", {"active": False}).status_code == 404
    bad_reason = {"record": setup["ft"].pk, "decision": "exclude", "exclusion_reason": foreign_reason.pk}
    assert api.post(f"{base}/full-text/decisions/", bad_reason, format="json").status_code == 400
    # The other review's own owner cannot reach this review's records through their review either.
    assert api_client_for(other_review.created_by).get(f"/api/reviews/{review.pk}/prisma/").status_code == 404
