"""Cohen's kappa and percent agreement per pair of reviewers and stage, against hand-computed values."""

import pytest
from django.urls import reverse

from reviews.agreement import cohen_kappa
from reviews.models import Decision, ScreeningDecision, Stage
from reviews.selectors import screening as selectors
from tests.reviews import screening_support
from tests.reviews.screening_support import add_records

second_reviewer = screening_support.second_reviewer

I, E, M, N = Decision.INCLUDE, Decision.EXCLUDE, Decision.MAYBE, Decision.NOT_RETRIEVED  # noqa: E741 (short names keep the tables readable)


def _decisions(records, stage, pairs, first, second):
    rows = []
    for record, (a, b) in zip(records, pairs, strict=True):
        rows.append(ScreeningDecision(record=record, stage=stage, reviewer=first, decision=a))
        rows.append(ScreeningDecision(record=record, stage=stage, reviewer=second, decision=b))
    ScreeningDecision.objects.bulk_create(rows)


@pytest.fixture
def agreement_review(review, owner, reviewer, second_reviewer):
    ta = add_records(review, 10, prefix="TA")
    # rahul (rows) against amira (columns), maybe counted as include:
    #              amira include  amira exclude
    # rahul incl.        4              1
    # rahul excl.        2              3
    # po = 7/10; pe = (5*6 + 5*4)/100 = 0.5; kappa = (0.7 - 0.5)/(1 - 0.5) = 0.4
    pairs = [(I, I), (M, I), (I, M), (I, I), (I, E), (E, I), (E, M), (E, E), (E, E), (E, E)]
    _decisions(ta, Stage.TITLE_ABSTRACT, pairs, reviewer, second_reviewer)
    ft = add_records(review, 6, prefix="FT")
    # Three categories: po = 4/6; rahul (3 incl, 2 excl, 1 n.r.), amira (2, 2, 2);
    # pe = (3*2 + 2*2 + 1*2)/36 = 1/3; kappa = (2/3 - 1/3)/(1 - 1/3) = 0.5
    pairs = [(I, I), (I, I), (E, E), (N, N), (I, E), (E, N)]
    _decisions(ft, Stage.FULL_TEXT, pairs, reviewer, second_reviewer)
    # The owner screens the first two as well, agreeing with both (includes only): kappa is undefined
    # when chance agreement is 1.
    ScreeningDecision.objects.bulk_create(
        ScreeningDecision(record=record, stage=Stage.TITLE_ABSTRACT, reviewer=owner, decision=d)
        for record, d in zip(ta[:2], (I, M), strict=True)
    )
    return review


def test_kappa_and_percent_agreement_match_the_hand_computed_values(
    agreement_review, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        pairs = selectors.agreement(review=agreement_review)
    by_key = {(p.stage, p.reviewer_a, p.reviewer_b): p for p in pairs}
    ta = by_key[(Stage.TITLE_ABSTRACT, "amira", "rahul")]
    assert (ta.records, ta.agreed) == (10, 7)
    assert ta.percent_agreement == pytest.approx(70.0)
    assert ta.kappa == pytest.approx(0.4)
    # Tables read from the first username's side (amira's decisions are the rows).
    assert ta.table == {"include": {"include": 4, "exclude": 2}, "exclude": {"include": 1, "exclude": 3}}
    ft = by_key[(Stage.FULL_TEXT, "amira", "rahul")]
    assert (ft.records, ft.agreed) == (6, 4)
    assert ft.kappa == pytest.approx(0.5)
    assert ft.percent_agreement == pytest.approx(400 / 6)
    owner_pair = by_key[(Stage.TITLE_ABSTRACT, "olivia", "rahul")]
    assert (owner_pair.records, owner_pair.agreed, owner_pair.percent_agreement) == (2, 2, 100.0)
    assert owner_pair.kappa is None
    assert by_key[(Stage.TITLE_ABSTRACT, "amira", "olivia")].kappa is None
    assert [(p.stage, p.reviewer_a, p.reviewer_b) for p in pairs] == [
        (Stage.TITLE_ABSTRACT, "amira", "olivia"),
        (Stage.TITLE_ABSTRACT, "amira", "rahul"),
        (Stage.TITLE_ABSTRACT, "olivia", "rahul"),
        (Stage.FULL_TEXT, "amira", "rahul"),
    ]


def test_cohen_kappa_of_a_textbook_table():
    # Cohen (1960)-style example: 50 items, 20+15 agreements; pe = (25*30 + 25*20)/2500 = 0.5; kappa = 0.4
    table = {"yes": {"yes": 20, "no": 5}, "no": {"yes": 10, "no": 15}}
    assert cohen_kappa(table) == (50, 35, pytest.approx(70.0), pytest.approx(0.4))
    assert cohen_kappa({}) == (0, 0, None, None)
    # One category only: chance agreement is 1, so kappa is undefined while agreement is 100%.
    assert cohen_kappa({I: {I: 7}}) == (7, 7, 100.0, None)


def test_agreement_page_and_api_show_the_pairs_to_owners(client, api_client_for, agreement_review, owner):
    client.force_login(owner)
    page = client.get(reverse("reviews:screening_agreement", kwargs={"review_id": agreement_review.pk}))
    html = page.content.decode()
    assert 'data-pair="amira-rahul"' in html
    assert '<td class="kappa">0.400</td>' in html
    assert '<td class="kappa">0.500</td>' in html
    assert "70.0%" in html
    body = api_client_for(owner).get(f"/api/reviews/{agreement_review.pk}/screening/agreement/").json()
    by_pair = {(row["stage"], row["reviewer_a"], row["reviewer_b"]): row for row in body}
    assert by_pair[("title_abstract", "amira", "rahul")]["kappa"] == pytest.approx(0.4)
    assert by_pair[("title_abstract", "amira", "rahul")]["percent_agreement"] == pytest.approx(70.0)
    assert by_pair[("full_text", "amira", "rahul")]["kappa"] == pytest.approx(0.5)
    assert by_pair[("title_abstract", "olivia", "rahul")]["kappa"] is None
