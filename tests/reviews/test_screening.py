"""Screening: the next record for me, decisions resolving records, undo, reasons, highlighting, speed."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.models import Decision, ExclusionReason, Record, RecordStatus, ScreeningDecision, Stage
from reviews.selectors import screening as selectors
from reviews.services import screening as services
from reviews.templatetags.screening_text import highlight
from tests.reviews import screening_support
from tests.reviews.screening_support import add_records

second_reviewer = screening_support.second_reviewer

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


def decide(review, record, user, decision, stage=TA, reason=None):
    return services.record_decision(
        review=review,
        record_id=record.pk,
        reviewer=user,
        stage=stage,
        decision=decision,
        exclusion_reason=reason,
    )


def status_of(record) -> str:
    return Record.objects.get(pk=record.pk).status


@pytest.fixture
def reasons(review):
    return services.exclusion_reasons_add_defaults(review=review)


def test_next_record_walks_my_queue_in_order_and_a_decided_record_leaves_it(
    review, reviewer, second_reviewer
):
    records = add_records(review, 3)
    assert selectors.next_record_for(review=review, user=reviewer, stage=TA) == records[0]
    decide(review, records[0], reviewer, Decision.INCLUDE)
    assert selectors.next_record_for(review=review, user=reviewer, stage=TA) == records[1]
    # Still waiting for the second reviewer, who sees it first in their own queue.
    assert status_of(records[0]) == RecordStatus.TITLE_ABSTRACT
    assert selectors.next_record_for(review=review, user=second_reviewer, stage=TA) == records[0]
    assert selectors.my_progress(review=review, user=reviewer, stage=TA) == selectors.Progress(
        done=1, remaining=2
    )
    assert selectors.my_progress(review=review, user=second_reviewer, stage=TA) == selectors.Progress(0, 3)


@pytest.mark.parametrize(
    "first,second,outcome",
    [
        (Decision.INCLUDE, Decision.INCLUDE, RecordStatus.FULL_TEXT),
        (Decision.INCLUDE, Decision.MAYBE, RecordStatus.FULL_TEXT),
        (Decision.MAYBE, Decision.MAYBE, RecordStatus.FULL_TEXT),
        (Decision.EXCLUDE, Decision.EXCLUDE, RecordStatus.TA_EXCLUDED),
        (Decision.INCLUDE, Decision.EXCLUDE, RecordStatus.TA_CONFLICT),
        (Decision.MAYBE, Decision.EXCLUDE, RecordStatus.TA_CONFLICT),
    ],
)
def test_two_reviewers_at_title_abstract(review, reviewer, second_reviewer, first, second, outcome):
    (record,) = add_records(review, 1)
    decide(review, record, reviewer, first)
    assert status_of(record) == RecordStatus.TITLE_ABSTRACT
    decide(review, record, second_reviewer, second)
    assert status_of(record) == outcome


def test_one_reviewer_per_record_resolves_with_one_decision(review, reviewer, reasons):
    review.reviewers_per_record = 1
    review.save()
    a, b, c, d = add_records(review, 4)
    decide(review, a, reviewer, Decision.MAYBE)
    decide(review, b, reviewer, Decision.EXCLUDE)
    assert (status_of(a), status_of(b)) == (RecordStatus.FULL_TEXT, RecordStatus.TA_EXCLUDED)
    decide(review, c, reviewer, Decision.INCLUDE)
    decide(review, d, reviewer, Decision.INCLUDE)
    decide(review, a, reviewer, Decision.INCLUDE, stage=FT)
    decide(review, c, reviewer, Decision.NOT_RETRIEVED, stage=FT)
    decide(review, d, reviewer, Decision.EXCLUDE, stage=FT, reason=reasons[0])
    assert [status_of(r) for r in (a, c, d)] == [
        RecordStatus.INCLUDED,
        RecordStatus.NOT_RETRIEVED,
        RecordStatus.FT_EXCLUDED,
    ]


def test_full_text_excludes_agree_only_on_the_same_reason(review, reviewer, second_reviewer, reasons):
    same, different = add_records(review, 2, status=RecordStatus.FULL_TEXT)
    for user in (reviewer, second_reviewer):
        decide(review, same, user, Decision.EXCLUDE, stage=FT, reason=reasons[1])
    decide(review, different, reviewer, Decision.EXCLUDE, stage=FT, reason=reasons[1])
    decide(review, different, second_reviewer, Decision.EXCLUDE, stage=FT, reason=reasons[4])
    assert status_of(same) == RecordStatus.FT_EXCLUDED
    assert status_of(different) == RecordStatus.FT_CONFLICT


def test_decisions_are_checked(review, reviewer, other_review, reasons):
    (ta_record,) = add_records(review, 1, prefix="TA")
    (ft_record,) = add_records(review, 1, status=RecordStatus.FULL_TEXT, prefix="FT")
    (foreign,) = add_records(other_review, 1, prefix="Foreign")
    foreign_reason = services.exclusion_reason_create(review=other_review, label="Wrong population")
    retired = services.exclusion_reason_update(reason=reasons[2], active=False)
    cases = [
        (ft_record, Decision.EXCLUDE, FT, None, "needs a reason"),
        (ft_record, Decision.MAYBE, FT, None, "choices are"),
        (ta_record, Decision.NOT_RETRIEVED, TA, None, "choices are"),
        (ft_record, Decision.EXCLUDE, FT, foreign_reason, "this review's list"),
        (ft_record, Decision.EXCLUDE, FT, retired, "retired"),
        (ft_record, Decision.INCLUDE, FT, reasons[0], "exclusion only"),
        (ta_record, Decision.INCLUDE, FT, None, "not waiting"),
        (foreign, Decision.INCLUDE, TA, None, "No such record"),
    ]
    for record, decision, stage, reason, message in cases:
        with pytest.raises(ValidationError, match=message):
            decide(review, record, reviewer, decision, stage=stage, reason=reason)
    assert not ScreeningDecision.objects.exists()


def test_changing_my_mind_before_the_record_is_resolved_keeps_one_decision(review, reviewer, second_reviewer):
    (record,) = add_records(review, 1)
    decide(review, record, reviewer, Decision.EXCLUDE)
    decide(review, record, reviewer, Decision.INCLUDE)
    assert ScreeningDecision.objects.get(record=record, reviewer=reviewer).decision == Decision.INCLUDE
    decide(review, record, second_reviewer, Decision.INCLUDE)
    assert status_of(record) == RecordStatus.FULL_TEXT


def test_undo_brings_my_last_record_back_whatever_the_others_decided(review, reviewer, second_reviewer):
    pending, agreed, conflict = add_records(review, 3)
    decide(review, agreed, second_reviewer, Decision.INCLUDE)
    decide(review, conflict, second_reviewer, Decision.INCLUDE)
    for record, decision in (
        (pending, Decision.INCLUDE),
        (agreed, Decision.INCLUDE),
        (conflict, Decision.EXCLUDE),
    ):
        decide(review, record, reviewer, decision)
    assert (status_of(agreed), status_of(conflict)) == (RecordStatus.FULL_TEXT, RecordStatus.TA_CONFLICT)
    assert services.undo_last_decision(review=review, reviewer=reviewer, stage=TA) == conflict.pk
    assert services.undo_last_decision(review=review, reviewer=reviewer, stage=TA) == agreed.pk
    assert services.undo_last_decision(review=review, reviewer=reviewer, stage=TA) == pending.pk
    assert services.undo_last_decision(review=review, reviewer=reviewer, stage=TA) is None
    assert {status_of(r) for r in (pending, agreed, conflict)} == {RecordStatus.TITLE_ABSTRACT}
    assert selectors.next_record_for(review=review, user=reviewer, stage=TA) == pending
    assert ScreeningDecision.objects.filter(reviewer=second_reviewer).count() == 2


def test_a_conflict_stays_open_to_decisions_like_a_record_still_waiting(
    review, owner, reviewer, second_reviewer
):
    """Blind: a conflict waits for whoever has not decided it, and its reviewers may change their minds."""
    from reviews import services as review_services
    from tests.conftest import make_user

    third = make_user("noor")
    review_services.member_invite(review=review, invited_by=owner, user_identifier="noor", role="reviewer")
    (record,) = add_records(review, 1)
    decide(review, record, reviewer, Decision.INCLUDE)
    decide(review, record, second_reviewer, Decision.EXCLUDE)
    assert status_of(record) == RecordStatus.TA_CONFLICT
    assert selectors.next_record_for(review=review, user=third, stage=TA) == record
    assert selectors.my_progress(review=review, user=third, stage=TA) == selectors.Progress(0, 1)
    decide(review, record, reviewer, Decision.MAYBE)  # still disagreeing: still a conflict
    decide(review, record, third, Decision.EXCLUDE)
    assert status_of(record) == RecordStatus.TA_CONFLICT
    assert selectors.next_record_for(review=review, user=third, stage=TA) is None
    assert selectors.my_progress(review=review, user=third, stage=TA) == selectors.Progress(1, 0)
    # Undo resolves it again from the decisions left: two still disagree.
    assert services.undo_last_decision(review=review, reviewer=third, stage=TA) == record.pk
    assert status_of(record) == RecordStatus.TA_CONFLICT
    # Once every decision agrees the record moves on.
    decide(review, record, reviewer, Decision.EXCLUDE)
    assert status_of(record) == RecordStatus.TA_EXCLUDED
    assert selectors.my_progress(review=review, user=third, stage=TA) == selectors.Progress(0, 0)
    with pytest.raises(ValidationError, match="not waiting"):
        decide(review, record, third, Decision.EXCLUDE)


def test_undo_is_refused_once_the_record_has_moved_on(review, owner, reviewer, second_reviewer):
    adjudicated, screened_further = add_records(review, 2)
    decide(review, adjudicated, second_reviewer, Decision.EXCLUDE)
    decide(review, adjudicated, reviewer, Decision.INCLUDE)
    services.adjudicate(
        review=review, record_id=adjudicated.pk, stage=TA, decision=Decision.INCLUDE, decided_by=owner
    )
    with pytest.raises(ValidationError, match="moved on"):
        services.undo_last_decision(review=review, reviewer=reviewer, stage=TA)
    decide(review, screened_further, second_reviewer, Decision.INCLUDE)
    decide(review, screened_further, reviewer, Decision.INCLUDE)
    decide(review, screened_further, owner, Decision.INCLUDE, stage=FT)
    with pytest.raises(ValidationError, match="moved on"):
        services.undo_last_decision(review=review, reviewer=reviewer, stage=TA)


def test_exclusion_reasons_defaults_rename_reorder_retire(review):
    reasons = services.exclusion_reasons_add_defaults(review=review)
    assert [r.label for r in selectors.exclusion_reasons(review=review)] == services.DEFAULT_FULL_TEXT_REASONS
    with pytest.raises(ValidationError, match="already has reasons"):
        services.exclusion_reasons_add_defaults(review=review)
    services.exclusion_reason_update(reason=reasons[0], label="  Wrong   patients ")
    with pytest.raises(ValidationError, match="already in the list"):
        services.exclusion_reason_update(reason=reasons[1], label="wrong patients")
    services.exclusion_reason_move(reason=reasons[6], position=0)
    services.exclusion_reason_update(reason=reasons[3], active=False)
    labels = [r.label for r in selectors.exclusion_reasons(review=review, active_only=True)]
    assert labels[:3] == ["Not retrievable", "Wrong patients", "Wrong intervention"]
    assert "Wrong outcome" not in labels
    added = services.exclusion_reason_create(review=review, label="Conference abstract only")
    assert added.position == 7
    ta = services.exclusion_reason_create(review=review, label="Animal study", stage=TA)
    assert ta.position == 0


def test_highlight_escapes_text_and_marks_terms():
    terms = selectors.HighlightTerms(include=["random*", "IL-2"], exclude=["mice"])
    html = highlight("<b>Randomised</b> IL-2 in mice; random. Micelle", terms)
    assert html == (
        '&lt;b&gt;<mark class="term-include">Randomised</mark>&lt;/b&gt; <mark class="term-include">IL-2</mark>'
        ' in <mark class="term-exclude">mice</mark>; <mark class="term-include">random</mark>. Micelle'
    )


def test_highlight_without_terms_only_escapes():
    assert highlight("<i>IL-2</i> & mice", None) == "&lt;i&gt;IL-2&lt;/i&gt; &amp; mice"
    empty = selectors.HighlightTerms(include=["*", " "], exclude=[])
    assert highlight("<i>IL-2</i>", empty) == "&lt;i&gt;IL-2&lt;/i&gt;"
    assert highlight("", empty) == ""


def test_screening_page_shows_highlighted_record_and_htmx_decision_brings_the_next(
    client, review, reviewer, second_reviewer
):
    services.screening_settings_update(review=review, include_terms="randomised", exclude_terms="Mice")
    first, second = add_records(review, 2)
    client.force_login(reviewer)
    page = client.get(reverse("reviews:screening", kwargs={"review_id": review.pk})).content.decode()
    assert f'data-record="{first.pk}"' in page
    assert '<mark class="term-include">randomised</mark>' in page
    assert '<mark class="term-exclude">Mice</mark>' in page
    assert "Maybe counts as include" in page
    assert 'src="/static/js/screening.js"' in page
    url = reverse(
        "reviews:screening_decide",
        kwargs={"review_id": review.pk, "stage_slug": "title-abstract", "record_id": first.pk},
    )
    card = client.post(url, {"decision": "include"}, HTTP_HX_REQUEST="true").content.decode()
    assert card.startswith('<section id="screening-card"')
    assert f'data-record="{second.pk}"' in card
    assert "Decision recorded." in card
    assert '<strong data-count="done">1</strong>' in card
    undo = reverse("reviews:screening_undo", kwargs={"review_id": review.pk, "stage_slug": "title-abstract"})
    card = client.post(undo, HTTP_HX_REQUEST="true").content.decode()
    assert f'data-record="{first.pk}"' in card
    # Without htmx the same forms work as plain posts.
    response = client.post(url, {"decision": "exclude"})
    assert response.status_code == 302


def test_full_text_page_takes_a_reason_and_not_retrieved(client, review, reviewer, reasons):
    review.reviewers_per_record = 1
    review.save()
    first, second, third = add_records(review, 3, status=RecordStatus.FULL_TEXT)
    client.force_login(reviewer)
    page = client.get(
        reverse("reviews:screening_stage", kwargs={"review_id": review.pk, "stage_slug": "full-text"})
    )
    assert "Wrong comparator" in page.content.decode()

    def post(record, data):
        kwargs = {"review_id": review.pk, "stage_slug": "full-text", "record_id": record.pk}
        return client.post(reverse("reviews:screening_decide", kwargs=kwargs), data, HTTP_HX_REQUEST="true")

    assert "needs a reason" in post(first, {"decision": "exclude", "exclusion_reason": ""}).content.decode()
    post(first, {"decision": "exclude", "exclusion_reason": reasons[2].pk})
    post(second, {"decision": "not_retrieved", "exclusion_reason": reasons[2].pk})
    post(third, {"decision": "include", "exclusion_reason": ""})
    assert [status_of(r) for r in (first, second, third)] == [
        RecordStatus.FT_EXCLUDED,
        RecordStatus.NOT_RETRIEVED,
        RecordStatus.INCLUDED,
    ]
    assert ScreeningDecision.objects.get(record=first).exclusion_reason == reasons[2]


def test_unblind_review_shows_the_other_decisions_while_screening(
    client, api_client_for, review, reviewer, second_reviewer
):
    review.blind_screening = False
    review.save()
    (record,) = add_records(review, 1)
    decide(review, record, second_reviewer, Decision.EXCLUDE)
    client.force_login(reviewer)
    page = client.get(reverse("reviews:screening", kwargs={"review_id": review.pk})).content.decode()
    assert 'data-reviewer="amira">amira: Exclude' in page
    body = api_client_for(reviewer).get(f"/api/reviews/{review.pk}/screening/title-abstract/next/").json()
    assert body["others"] == [{"reviewer": "amira", "decision": "exclude", "exclusion_reason": None}]


def test_api_screening_round_trip(api_client_for, review, reviewer, second_reviewer, reasons):
    first, second = add_records(review, 2)
    api = api_client_for(reviewer)
    base = f"/api/reviews/{review.pk}/screening/title-abstract"
    body = api.get(f"{base}/next/").json()
    assert body["record"]["id"] == first.pk
    assert body["progress"] == {"done": 0, "remaining": 2}
    assert body["others"] == []
    response = api.post(f"{base}/decisions/", {"record": first.pk, "decision": "maybe"}, format="json")
    assert response.status_code == 201
    assert response.json() == {
        "decision": {
            "record": first.pk,
            "stage": TA,
            "decision": "maybe",
            "exclusion_reason": None,
            "note": "",
        },
        "progress": {"done": 1, "remaining": 1},
    }
    assert api.get(f"{base}/next/").json()["record"]["id"] == second.pk
    assert api.get(f"{base}/progress/").json() == {"done": 1, "remaining": 1}
    assert api.post(f"{base}/undo/").json() == {
        "undone_record": first.pk,
        "progress": {"done": 0, "remaining": 2},
    }
    bad = api.post(f"{base}/decisions/", {"record": first.pk, "decision": "not_retrieved"}, format="json")
    assert bad.status_code == 400
    assert "decision" in bad.json()
    assert api.get(f"/api/reviews/{review.pk}/screening/sideways/next/").status_code == 404
    reasons_body = api.get(f"/api/reviews/{review.pk}/screening/exclusion-reasons/").json()
    assert [r["label"] for r in reasons_body] == services.DEFAULT_FULL_TEXT_REASONS


def test_api_owner_manages_reasons_and_terms(api_client_for, review, owner):
    api = api_client_for(owner)
    base = f"/api/reviews/{review.pk}/screening"
    assert api.post(f"{base}/exclusion-reasons/defaults/").status_code == 201
    created = api.post(
        f"{base}/exclusion-reasons/", {"label": "Animal study", "stage": TA}, format="json"
    ).json()
    reason = ExclusionReason.objects.get(review=review, label="Wrong outcome")
    changed = api.patch(
        f"{base}/exclusion-reasons/{reason.pk}/",
        {"label": "Outcome not reported", "position": 0, "active": False},
    ).json()
    assert changed == {
        "id": reason.pk,
        "label": "Outcome not reported",
        "stage": FT,
        "position": 0,
        "active": False,
    }
    assert created["stage"] == TA
    terms = {"include_terms": ["randomi*", "IL-2"], "exclude_terms": ["mice"]}
    assert api.put(f"{base}/terms/", terms, format="json").json() == terms


# Speed: a fixed number of queries whatever the review's size -------------------------------------


@pytest.mark.parametrize("size", [5, 400])
def test_next_record_and_decision_use_a_fixed_number_of_queries(
    client, api_client_for, review, reviewer, second_reviewer, django_assert_max_num_queries, size
):
    records = add_records(review, size)
    # Half of them decided by me already and some by the other reviewer, so the queue has history.
    ScreeningDecision.objects.bulk_create(
        ScreeningDecision(record=r, stage=TA, reviewer=reviewer, decision=Decision.INCLUDE)
        for r in records[: size // 2]
    )
    ScreeningDecision.objects.bulk_create(
        ScreeningDecision(record=r, stage=TA, reviewer=second_reviewer, decision=Decision.EXCLUDE)
        for r in records[size // 2 :]
    )
    target = records[size // 2]
    # My last decision, the screeners (for my lane), and at most two lookups in my lane and two in
    # the whole queue: never more, whatever the size.
    with django_assert_max_num_queries(6):
        assert selectors.next_record_for(review=review, user=reviewer, stage=TA) == target
    with django_assert_max_num_queries(8):
        decide(review, target, reviewer, Decision.EXCLUDE)
    assert status_of(target) == RecordStatus.TA_EXCLUDED
    client.force_login(reviewer)
    kwargs = {"review_id": review.pk, "stage_slug": "title-abstract"}
    # Whole requests: session, membership, decision, next record, progress, reasons, terms.
    with django_assert_max_num_queries(19):
        client.post(
            reverse("reviews:screening_decide", kwargs={**kwargs, "record_id": records[-1].pk}),
            {"decision": "include"},
            HTTP_HX_REQUEST="true",
        )
    with django_assert_max_num_queries(15):
        assert client.get(reverse("reviews:screening_card", kwargs=kwargs)).status_code == 200
    api = api_client_for(reviewer)
    with django_assert_max_num_queries(11):
        assert api.get(f"/api/reviews/{review.pk}/screening/title-abstract/next/").status_code == 200


def test_screeners_beyond_reviewers_per_record_start_in_different_lanes(
    review, owner, reviewer, second_reviewer
):
    """Four screeners, two per record: two lanes, so two pairs read different records at once.

    Every record is still reached by everyone who has not decided it: a finished lane helps the other.
    """
    from reviews import services as review_services
    from tests.conftest import make_user

    fourth = make_user("fatima")
    review_services.member_invite(review=review, invited_by=owner, user_identifier="fatima", role="reviewer")
    records = add_records(review, 6)
    screeners = [owner, reviewer, second_reviewer, fourth]
    lanes = {user.username: selectors.screening_lane(review=review, user=user) for user in screeners}
    assert sorted(lanes.values()) == [(0, 2), (0, 2), (1, 2), (1, 2)]
    first = {
        user.username: selectors.next_record_for(review=review, user=user, stage=TA) for user in screeners
    }
    assert len({record.pk for record in first.values()}) == 2
    for user in screeners:
        assert first[user.username].pk % 2 == lanes[user.username][0]

    # A screener whose lane is finished goes on with the other lane's records.
    mine = [r for r in records if r.pk % 2 == lanes[reviewer.username][0]]
    ScreeningDecision.objects.bulk_create(
        ScreeningDecision(record=r, stage=TA, reviewer=reviewer, decision=Decision.INCLUDE) for r in mine
    )
    after = selectors.next_record_for(review=review, user=reviewer, stage=TA)
    assert after is not None and after.pk % 2 != lanes[reviewer.username][0]
