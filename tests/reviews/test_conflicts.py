"""Conflicts between reviewers and their adjudication by an owner, logged; pages and API."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.models import Adjudication, Decision, Record, RecordStatus, Stage
from reviews.services import screening as services
from tests.reviews import screening_support
from tests.reviews.screening_support import add_records

second_reviewer = screening_support.second_reviewer
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


def decide(review, record, user, decision, stage=TA, reason=None):
    services.record_decision(
        review=review,
        record_id=record.pk,
        reviewer=user,
        stage=stage,
        decision=decision,
        exclusion_reason=reason,
    )


@pytest.fixture
def conflicts(review, reviewer, second_reviewer):
    """One conflict at title/abstract and one at full text (the same decision, different reasons)."""
    reasons = services.exclusion_reasons_add_defaults(review=review)
    (ta,) = add_records(review, 1, prefix="TA")
    (ft,) = add_records(review, 1, status=RecordStatus.FULL_TEXT, prefix="FT")
    decide(review, ta, reviewer, Decision.MAYBE)
    decide(review, ta, second_reviewer, Decision.EXCLUDE)
    decide(review, ft, reviewer, Decision.EXCLUDE, FT, reasons[0])
    decide(review, ft, second_reviewer, Decision.EXCLUDE, FT, reasons[3])
    return {"ta": ta, "ft": ft, "reasons": reasons}


def test_disagreements_make_conflicts_that_an_owner_resolves_and_that_are_logged(review, owner, conflicts):
    ta, ft, reasons = conflicts["ta"], conflicts["ft"], conflicts["reasons"]
    assert Record.objects.get(pk=ta.pk).status == RecordStatus.TA_CONFLICT
    assert Record.objects.get(pk=ft.pk).status == RecordStatus.FT_CONFLICT
    services.adjudicate(
        review=review, record_id=ta.pk, stage=TA, decision=Decision.INCLUDE, decided_by=owner, note="Adults"
    )
    services.adjudicate(
        review=review,
        record_id=ft.pk,
        stage=FT,
        decision=Decision.EXCLUDE,
        decided_by=owner,
        exclusion_reason=reasons[4],
    )
    assert Record.objects.get(pk=ta.pk).status == RecordStatus.FULL_TEXT
    assert Record.objects.get(pk=ft.pk).status == RecordStatus.FT_EXCLUDED
    log = Adjudication.objects.order_by("id")
    assert [(a.record_id, a.stage, a.decision, a.decided_by, a.note) for a in log] == [
        (ta.pk, TA, Decision.INCLUDE, owner, "Adults"),
        (ft.pk, FT, Decision.EXCLUDE, owner, ""),
    ]
    assert log[1].exclusion_reason == reasons[4]
    with pytest.raises(ValidationError, match="no title/abstract conflict"):
        services.adjudicate(
            review=review, record_id=ta.pk, stage=TA, decision=Decision.EXCLUDE, decided_by=owner
        )


def test_adjudication_is_checked(review, owner, conflicts):
    ta, ft = conflicts["ta"], conflicts["ft"]
    cases = [
        (ta, TA, Decision.MAYBE, None, "choices are"),
        (ft, FT, Decision.EXCLUDE, None, "needs a reason"),
        (ft, TA, Decision.INCLUDE, None, "no title/abstract conflict"),
    ]
    for record, stage, decision, reason, message in cases:
        with pytest.raises(ValidationError, match=message):
            services.adjudicate(
                review=review,
                record_id=record.pk,
                stage=stage,
                decision=decision,
                decided_by=owner,
                exclusion_reason=reason,
            )
    assert not Adjudication.objects.exists()


def test_owner_resolves_a_conflict_on_the_conflicts_page(client, review, owner, conflicts):
    ta, ft, reasons = conflicts["ta"], conflicts["ft"], conflicts["reasons"]
    client.force_login(owner)
    url = reverse("reviews:screening_conflicts", kwargs={"review_id": review.pk})
    page = client.get(url).content.decode()
    assert f'id="conflict-{ta.pk}"' in page and f'id="conflict-{ft.pk}"' in page
    assert "<strong>rahul</strong> — Maybe" in page
    assert "(Wrong population)" in page and "(Wrong outcome)" in page
    adjudicate = reverse(
        "reviews:screening_adjudicate",
        kwargs={"review_id": review.pk, "record_id": ft.pk, "stage_slug": "full-text"},
    )
    response = client.post(
        adjudicate, {"decision": "exclude", "exclusion_reason": reasons[1].pk, "note": "Agreed"}
    )
    assert response.status_code == 302
    assert Record.objects.get(pk=ft.pk).status == RecordStatus.FT_EXCLUDED
    page = client.get(url).content.decode()
    assert f'id="conflict-{ft.pk}"' not in page
    assert "Exclude (Wrong intervention)" in page  # in the log
    # The wrong stage is refused with a message, nothing changes.
    wrong = reverse(
        "reviews:screening_adjudicate",
        kwargs={"review_id": review.pk, "record_id": ta.pk, "stage_slug": "full-text"},
    )
    client.post(wrong, {"decision": "include"})
    assert Record.objects.get(pk=ta.pk).status == RecordStatus.TA_CONFLICT


def test_conflicts_api(api_client_for, review, owner, conflicts, other_review):
    ta, ft = conflicts["ta"], conflicts["ft"]
    api = api_client_for(owner)
    base = f"/api/reviews/{review.pk}/screening/conflicts"
    body = api.get(f"{base}/").json()
    assert [row["id"] for row in body] == [ta.pk, ft.pk]
    assert {(d["reviewer"], d["decision"]) for d in body[0]["decisions"]} == {
        ("rahul", "maybe"),
        ("amira", "exclude"),
    }
    assert [row["id"] for row in api.get(f"{base}/?stage=full_text").json()] == [ft.pk]
    assert api.get(f"{base}/?stage=sideways").status_code == 400
    response = api.post(f"{base}/{ta.pk}/adjudication/", {"stage": TA, "decision": "exclude"}, format="json")
    assert response.status_code == 201
    assert response.json() == {
        "record": ta.pk,
        "stage": TA,
        "decision": "exclude",
        "exclusion_reason": None,
        "note": "",
        "decided_by": "olivia",
        "record_status": RecordStatus.TA_EXCLUDED,
    }
    (foreign,) = add_records(other_review, 1, prefix="Foreign")
    assert (
        api.post(f"{base}/{foreign.pk}/adjudication/", {"stage": TA, "decision": "exclude"}).status_code
        == 404
    )
