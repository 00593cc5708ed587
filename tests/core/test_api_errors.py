"""A number too large for the database is the caller's mistake: 400 with a message, never 500.

schemathesis found these: an id of 2**70 in a request body reached the database, which refused
it (PostgreSQL: integer out of range; SQLite: OverflowError), and the API answered 500.
"""

import pytest
from django.urls import reverse

from tests.analysis.builders import dichotomous_review

HUGE = 2**70


@pytest.fixture
def study(review, owner, reviewer):
    return dichotomous_review(review, owner, reviewer).studies[0]


def cases(review, study):
    rid = {"review_id": review.pk}
    sid = {"review_id": review.pk, "study_id": study.pk}
    return [
        (reverse("api-studies", kwargs=rid), {"label": "Huge 2020", "record_ids": [HUGE]}),
        (reverse("api-comparisons", kwargs=sid), {"experimental_id": HUGE, "control_id": 1}),
        (reverse("api-study-records", kwargs=sid), {"record_id": HUGE}),
        (reverse("api-analyses", kwargs=rid), {"outcome": HUGE}),
        (
            reverse("api-screening-decisions", kwargs={**rid, "stage_slug": "title-abstract"}),
            {"record": HUGE, "decision": "include"},
        ),
    ]


def test_out_of_range_numbers_answer_400(api_client_for, review, owner, study):
    client = api_client_for(owner)
    for url, body in cases(review, study):
        response = client.post(url, body, format="json")
        assert response.status_code in (400, 404), (url, response.status_code)
        if response.status_code == 400:
            assert response.json(), url
