"""Finding 7 (API): no list endpoint answers more than API_MAX_PAGE_SIZE rows, whatever ?limit= says.

List endpoints are found from the OpenAPI schema: every GET whose answer is a page
(count/next/previous/results) or an array. Pages are asked for with an enormous limit and must
come back capped with a link to the next page; an endpoint that answers a bare array must be
named in BOUNDED_ARRAYS with why its size is bounded, so a new unbounded list fails here.
"""

import pytest
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.test import APIClient

from core import services as core_services
from core.pagination import CappedLimitOffsetPagination
from tests.reliability.matrix_probe import openapi_schema
from tests.reliability.world import routes

# Arrays whose length is bounded: by what owners set up, or by a limit in their selector.
BOUNDED_ARRAYS = {
    "api-reviews": "the reviews the person belongs to",
    "api-members": "the review's team",
    "api-exclusion-reasons": "the owner's list of reasons",
    "api-screening-agreement": "one row per pair of reviewers and stage",
    "api-extraction-fields": "the owner's extraction form",
    "api-outcomes": "the owner's outcomes",
    "api-extractions": "the extractors of one study (at most two and the consensus)",
    "api-analyses": "the owner's analyses",
    "api-screening-conflicts": "at most 200 records (reviews.selectors.screening.conflicts)",
    "api-study-history": "the newest 500 changes (extraction.selectors.studies.study_history)",
    "api-agreement": "one row per kind of extracted field",
    "downloads_api:jobs": "the member's most recent jobs (downloads.selectors.KEEP_JOBS)",
}


def response_schema(schema: dict, operation: dict) -> dict:
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    found = content.get("application/json", {}).get("schema", {})
    if "$ref" in found:
        found = schema["components"]["schemas"][found["$ref"].rsplit("/", 1)[1]]
    return found


def list_endpoints():
    schema = openapi_schema()
    paged, arrays = [], []
    for route in routes():
        operation = schema["paths"].get(route.openapi_path, {}).get("get")
        if not route.is_api or operation is None:
            continue
        body = response_schema(schema, operation)
        if body.get("type") == "array":
            arrays.append(route)
        elif "results" in body.get("properties", {}):
            paged.append(route)
    return paged, arrays


def test_an_oversize_limit_is_cut_to_the_maximum_page_size(settings):
    settings.API_MAX_PAGE_SIZE = 500
    request = Request(RequestFactory().get("/api/reviews/1/records/", {"limit": "300000"}))
    assert CappedLimitOffsetPagination().get_limit(request) == 500


def test_every_bare_array_endpoint_is_one_whose_size_is_bounded():
    _, arrays = list_endpoints()
    known = BOUNDED_ARRAYS.keys()
    unbounded = sorted(route.name for route in arrays if route.name not in known)
    assert not unbounded, f"list endpoints without a page size cap: {unbounded}; paginate them"
    stale = sorted(known - {route.name for route in arrays})
    assert not stale, f"no longer bare arrays (paginated or gone), take them off the lists: {stale}"


def test_every_paginated_list_endpoint_caps_an_oversize_limit(world, viewer, settings):
    core_services.api_token_create(user=viewer, name="a second one")
    core_services.api_token_create(user=viewer, name="a third one")
    paged, _ = list_endpoints()
    assert {"api-records", "api-imports", "api-duplicates", "api-tokens", "api-studies"} <= {
        route.name for route in paged
    }
    settings.API_MAX_PAGE_SIZE = 1
    client = APIClient()
    client.force_authenticate(viewer)
    more_than_one_page = []
    for route in paged:
        response = client.get(world.url(route), {"limit": 300000})
        assert response.status_code == 200, (route.name, response.content[:300])
        page = response.json()
        assert len(page["results"]) <= 1, route.name
        if page["count"] > 1:
            assert page["next"] and "limit=1" in page["next"], route.name
            more_than_one_page.append(route.name)
    # The cap was seen at work, not only vacuously true on short lists.
    assert {"api-records", "api-imports", "api-tokens", "api-studies"} <= set(more_than_one_page)


@pytest.mark.parametrize("limit", ["0", "-5", "abc", "99999999999999999999"])
def test_odd_limits_get_a_page_not_an_error(review, viewer, limit):
    client = APIClient()
    client.force_authenticate(viewer)
    response = client.get(f"/api/reviews/{review.pk}/records/", {"limit": limit})
    assert response.status_code == 200
    assert len(response.json()["results"]) <= 500
