"""Every change recorded; every committed change to analysed data bumps the data version and says so once."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from extraction import cells, services
from extraction.events import extraction_data_changed
from reviews.models import Review
from reviews.services import review_update_settings


@pytest.fixture
def events():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    extraction_data_changed.connect(receiver, dispatch_uid="test-receiver")
    yield received
    extraction_data_changed.disconnect(dispatch_uid="test-receiver")


def version(review) -> int:
    return Review.objects.get(pk=review.pk).data_version


def test_a_saved_value_bumps_the_version_and_announces_it_after_commit(
    review, study, form, arms, reviewer, save, events, django_capture_on_commit_callbacks
):
    extraction = services.extraction_open(study=study, user=reviewer)
    before = version(review)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        save(extraction, cells.arm_cell(form["relapse"].pk, arms[0].pk, "total"), 50)
        assert events == []  # nothing is announced before the commit
    assert version(review) == before + 1
    for callback in callbacks:
        callback()
    assert events == [{"signal": extraction_data_changed, "review_id": review.pk, "data_version": before + 1,
                       "outcome_ids": [form["relapse"].pk]}]  # fmt: skip


def test_a_refused_value_changes_nothing_and_announces_nothing(
    review, study, form, arms, reviewer, save, events, django_capture_on_commit_callbacks
):
    extraction = services.extraction_open(study=study, user=reviewer)
    before = version(review)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError):
            save(extraction, cells.arm_cell(form["relapse"].pk, arms[0].pk, "total"), -5)
    assert version(review) == before and events == []


def test_study_field_and_structure_changes_announce_all_outcomes(
    review, study, form, arms, owner, reviewer, save, events, django_capture_on_commit_callbacks
):
    extraction = services.extraction_open(study=study, user=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        save(extraction, f"f{form['year'].pk}", 2008)
        services.arm_update(arm=arms[1], user=reviewer, based_on_version=1, n_randomised=80)
    with django_capture_on_commit_callbacks(execute=True):
        services.ipd_replace(study=study, user=reviewer, upload=io.BytesIO(b"arm,time,event\nIL-2,3.5,1\n"))
    assert [e["outcome_ids"] for e in events] == [None, None, [form["survival"].pk]]
    assert [e["data_version"] for e in events] == [version(review) - 2, version(review) - 1, version(review)]


def test_independent_copies_do_not_touch_the_data_version(
    review, study, form, arms, reviewer, save, events, django_capture_on_commit_callbacks
):
    review_update_settings(review=review, extractions_per_study=2)
    extraction = services.extraction_open(study=study, user=reviewer)
    before = version(review)
    with django_capture_on_commit_callbacks(execute=True):
        save(extraction, cells.arm_cell(form["relapse"].pk, arms[0].pk, "total"), 50)
    assert version(review) == before and events == []


def test_history_records_who_when_old_and_new(
    client, review, study, form, arms, owner, reviewer, viewer, save
):
    extraction = services.extraction_open(study=study, user=reviewer)
    cell = cells.arm_cell(form["relapse"].pk, arms[0].pk, "events")
    save(extraction, cell, 3, user=reviewer)
    save(extraction, cell, 4, user=owner)
    entries = list(study.changes.filter(cell=cell))
    assert [(e.user.username, e.old_value, e.new_value) for e in entries] == [
        ("olivia", 3, 4),
        ("rahul", None, 3),
    ]
    assert entries[0].what == "Relapse (2 years) · IL-2 · Events"
    assert entries[0].created_at >= entries[1].created_at

    client.force_login(viewer)
    page = client.get(reverse("extraction:history", args=[review.pk, study.pk])).content.decode()
    assert "Relapse (2 years) · IL-2 · Events" in page and "olivia" in page
    api = client.get(reverse("api-study-history", args=[review.pk, study.pk])).json()
    assert {
        "what": "Relapse (2 years) · IL-2 · Events",
        "old_value": 3,
        "new_value": 4,
        "user": "olivia",
    }.items() <= api[0].items()
