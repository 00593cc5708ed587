"""The study page reads; each of its forms posts to its own action, and bad input is refused with a message."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from extraction.models import Arm, Extraction, ExtractionKind
from reviews.models import Role
from reviews.services import member_invite, review_update_settings
from tests.conftest import make_user


@pytest.fixture
def dual(review, owner):
    return review_update_settings(review=review, extractions_per_study=2)


def _page(review, study):
    return reverse("extraction:study", args=[review.pk, study.pk])


def _action(name, review, study):
    return reverse(f"extraction:study_{name}", args=[review.pk, study.pk])


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_opening_the_study_page_creates_no_extraction_copy(
    client, dual, review, owner, study, reviewer, second_reviewer
):
    """Under dual extraction, looking at a study must not take one of the two extractor places."""
    third = make_user("tariq")
    member_invite(review=review, invited_by=owner, user_identifier=third.username, role=Role.REVIEWER)
    for person in (second_reviewer, third, owner):
        client.force_login(person)
        page = client.get(_page(review, study))
        assert page.status_code == 200
        assert "Start extraction" in page.content.decode()
    assert not Extraction.objects.filter(study=study).exists()

    client.force_login(reviewer)
    started = client.post(_action("start", review, study))
    assert started.status_code == 302
    mine = Extraction.objects.get(study=study)
    assert mine.kind == ExtractionKind.INDEPENDENT and mine.extractor == reviewer
    assert "Start extraction" not in client.get(_page(review, study)).content.decode()

    client.force_login(second_reviewer)
    client.post(_action("start", review, study))
    client.force_login(third)
    page = client.get(_page(review, study)).content.decode()
    assert "Start extraction" not in page and "Two reviewers already extract this study" in page
    assert Extraction.objects.filter(study=study).count() == 2


def test_opening_a_single_extraction_study_creates_nothing_until_started(
    client, review, study, reviewer, viewer
):
    for person in (reviewer, viewer):
        client.force_login(person)
        assert client.get(_page(review, study)).status_code == 200
    assert not Extraction.objects.filter(study=study).exists()
    client.force_login(reviewer)
    client.post(_action("start", review, study))
    assert Extraction.objects.get(study=study).kind == ExtractionKind.FINAL


def test_a_bad_number_is_refused_with_a_message_never_stored_as_zero(client, review, study, reviewer):
    client.force_login(reviewer)
    before = Arm.objects.filter(study=study).count()
    response = client.post(_action("add_arm", review, study), {"label": "Third", "n_randomised": "many"})
    assert response.status_code == 302
    assert "Number randomised" in _messages(response) and "whole number" in _messages(response)
    assert Arm.objects.filter(study=study).count() == before

    arm = study.arms.order_by("position").first()
    response = client.post(
        _action("update_arm", review, study),
        {"arm_id": arm.pk, "based_on_version": "x", "label": arm.label, "n_randomised": "12"},
    )
    assert "whole number" in _messages(response)
    arm.refresh_from_db()
    assert arm.n_randomised is None

    response = client.post(_action("link_record", review, study), {"record_id": "abc"})
    assert "whole number" in _messages(response)
    response = client.post(_action("add_arm", review, study), {"label": "Third", "n_randomised": "120"})
    assert "Saved." in _messages(response)
    assert study.arms.get(label="Third").n_randomised == 120
