"""Two independent extractions per study: blind copies, the comparison, a consensus cell by cell."""

import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from extraction import cells, selectors, services
from extraction.models import Extraction, ExtractionKind
from extraction.selectors.analysis_input import analysis_rows
from reviews.services import review_update_settings
from tests.conftest import make_user


@pytest.fixture
def dual(review, owner):
    return review_update_settings(review=review, extractions_per_study=2)


@pytest.fixture
def copies(dual, study, reviewer, second_reviewer, form, arms, save):
    """Rahul and Sofia extract the study; they disagree on the control arm's events and on the design."""
    relapse, (il2, obs) = form["relapse"], arms
    mine = services.extraction_open(study=study, user=reviewer)
    theirs = services.extraction_open(study=study, user=second_reviewer)
    for copy, user, control_events, design in [
        (mine, reviewer, 30, "parallel"),
        (theirs, second_reviewer, 31, "crossover"),
    ]:
        save(copy, cells.arm_cell(relapse.pk, il2.pk, "total"), 100, user=user)
        save(copy, cells.arm_cell(relapse.pk, il2.pk, "events"), 20, user=user)
        save(copy, cells.arm_cell(relapse.pk, obs.pk, "total"), 100, user=user)
        save(copy, cells.arm_cell(relapse.pk, obs.pk, "events"), control_events, user=user)
        save(copy, f"f{form['design'].pk}", design, user=user)
    return mine, theirs


def test_each_extractor_has_a_separate_copy_and_a_third_is_refused(copies, study, owner):
    mine, theirs = copies
    assert mine.kind == theirs.kind == ExtractionKind.INDEPENDENT and mine.pk != theirs.pk
    with pytest.raises(ValidationError) as excinfo:
        services.extraction_open(study=study, user=owner)
    assert "already extract this study" in " ".join(excinfo.value.messages)


def test_copies_are_blind_until_both_are_done(copies, study, reviewer, second_reviewer, client, review):
    mine, theirs = copies
    with pytest.raises(PermissionDenied):
        selectors.extraction_of(study=study, extraction_id=theirs.pk, user=reviewer, membership=None)
    with pytest.raises(PermissionDenied):  # and nobody writes into another's copy
        services.value_save(
            extraction=theirs, user=reviewer, cell=f"f{theirs.pk}", value=1, based_on_version=0
        )
    client.force_login(reviewer)
    history = html.unescape(
        client.get(reverse("extraction:history", args=[review.pk, study.pk])).content.decode()
    )
    assert "sofia's copy" not in history and "rahul's copy" in history
    assert (
        "not-ready"
        in client.get(reverse("extraction:consensus", args=[review.pk, study.pk])).content.decode()
    )
    api = reverse("api-study-comparison", args=[review.pk, study.pk])
    assert client.get(api).status_code == 403

    services.extraction_complete(extraction=mine, user=reviewer)
    services.extraction_complete(extraction=theirs, user=second_reviewer)
    assert (
        selectors.extraction_of(study=study, extraction_id=theirs.pk, user=reviewer, membership=None)
        == theirs
    )
    assert client.get(api).status_code == 200


def test_comparison_highlights_every_difference_and_reports_agreement(
    copies, study, reviewer, second_reviewer, form
):
    mine, theirs = copies
    services.extraction_complete(extraction=mine, user=reviewer)
    services.extraction_complete(extraction=theirs, user=second_reviewer)
    assert selectors.study_status(study=study) == selectors.StudyStatus.AWAITING_CONSENSUS
    compared = selectors.compare(study=study)
    differing = {c.label for c in compared["cells"] if c.differs}
    assert differing == {"Design", "Events · Observation"}
    assert len(compared["cells"]) == 5
    by_type = {a["type"]: a for a in compared["agreement"]}
    assert by_type["study"] == {
        "type": "study",
        "label": "Study fields",
        "cells": 1,
        "agreeing": 0,
        "share": 0.0,
    }
    assert by_type["dichotomous"]["cells"] == 4 and by_type["dichotomous"]["share"] == 0.75


def test_consensus_copies_agreement_then_is_made_cell_by_cell(
    copies, study, review, owner, reviewer, second_reviewer, form, arms, save
):
    mine, theirs = copies
    relapse, (_, obs) = form["relapse"], arms
    with pytest.raises(ValidationError):  # not before both are done
        services.consensus_start(study=study, user=owner)
    services.extraction_complete(extraction=mine, user=reviewer)
    services.extraction_complete(extraction=theirs, user=second_reviewer)
    assert analysis_rows(review_id=review.pk, outcome_id=relapse.pk) == []  # own copies never feed analyses

    final = services.consensus_start(study=study, user=second_reviewer)
    assert final.kind == ExtractionKind.FINAL
    assert final.values.count() == 3  # the agreeing values
    with pytest.raises(ValidationError) as excinfo:
        services.extraction_complete(extraction=final, user=owner)
    assert "2 value(s) still need a consensus" in " ".join(excinfo.value.messages)
    outsider_reviewer = make_user("tariq")
    from reviews.services import member_invite

    member_invite(review=review, invited_by=owner, user_identifier="tariq", role="reviewer")
    with pytest.raises(PermissionDenied):  # a reviewer who did not extract the study does not decide
        save(final, f"f{form['design'].pk}", "parallel", user=outsider_reviewer)

    save(final, cells.arm_cell(relapse.pk, obs.pk, "events"), 31, user=owner)
    save(final, f"f{form['design'].pk}", "parallel", user=second_reviewer)
    services.extraction_complete(extraction=final, user=owner)
    assert selectors.study_status(study=study) == selectors.StudyStatus.COMPLETE
    rows = analysis_rows(review_id=review.pk, outcome_id=relapse.pk)
    assert [(r["ai"], r["n1i"], r["ci"], r["n2i"], r["design"]) for r in rows] == [
        (20, 100, 31, 100, "parallel")
    ]


def test_study_list_statuses(dual, review, owner, reviewer, second_reviewer, form, save):
    studies = {
        label: services.study_create(review=review, user=owner, label=label)
        for label in ("A 2001", "B 2002", "C 2003")
    }
    services.arm_create(study=studies["B 2002"], user=owner, label="Arm")
    b = services.extraction_open(study=studies["B 2002"], user=reviewer)
    save(b, f"f{form['year'].pk}", 2002)
    c1 = services.extraction_open(study=studies["C 2003"], user=reviewer)
    c2 = services.extraction_open(study=studies["C 2003"], user=second_reviewer)
    services.extraction_complete(extraction=c1, user=reviewer)
    services.extraction_complete(extraction=c2, user=second_reviewer)
    statuses = {s.label: s.status for s in selectors.studies_with_status(review=dual)}
    assert statuses == {"A 2001": "not_started", "B 2002": "in_progress", "C 2003": "awaiting_consensus"}


def test_required_fields_must_be_filled_before_done(review, owner, study, reviewer, save):
    from extraction.models import FieldKind

    country = services.field_create(
        review=review, user=owner, name="Country", kind=FieldKind.TEXT, required=True
    )
    extraction = services.extraction_open(study=study, user=reviewer)
    with pytest.raises(ValidationError) as excinfo:
        services.extraction_complete(extraction=extraction, user=reviewer)
    assert "Country" in " ".join(excinfo.value.messages)
    save(extraction, f"f{country.pk}", "France")
    services.extraction_complete(extraction=extraction, user=reviewer)
    with pytest.raises(ValidationError):  # done copies are read-only until reopened
        save(extraction, f"f{country.pk}", "Spain")
    services.extraction_reopen(extraction=extraction, user=reviewer)
    assert save(extraction, f"f{country.pk}", "Spain").value == "Spain"
    assert Extraction.objects.get(pk=extraction.pk).status == "in_progress"
