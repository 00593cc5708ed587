"""A review set up for extraction: an outcome of each type, study and arm fields, a two-arm study."""

import pytest

from extraction import services
from extraction.models import FieldKind, FieldLevel, OutcomeKind
from reviews.models import Role
from reviews.services import member_invite
from tests.conftest import make_user


@pytest.fixture
def second_reviewer(review, owner):
    user = make_user("sofia")
    member_invite(review=review, invited_by=owner, user_identifier=user.username, role=Role.REVIEWER)
    return user


@pytest.fixture
def form(review, owner):
    """The review's extraction form: fields, and one outcome of every type."""
    return {
        "year": services.field_create(review=review, user=owner, name="Year", kind=FieldKind.NUMBER),
        "design": services.field_create(
            review=review, user=owner, name="Design", kind=FieldKind.CHOICE, choices="parallel, crossover"
        ),
        "blinded": services.field_create(review=review, user=owner, name="Blinded", kind=FieldKind.YES_NO),
        "dose_category": services.field_create(
            review=review, user=owner, name="Dose category", level=FieldLevel.ARM, kind=FieldKind.TEXT
        ),
        "relapse": services.outcome_create(
            review=review, user=owner, name="Relapse", kind=OutcomeKind.DICHOTOMOUS, time_point="2 years"
        ),
        "qol": services.outcome_create(
            review=review, user=owner, name="Quality of life", kind=OutcomeKind.CONTINUOUS
        ),
        "response": services.outcome_create(
            review=review, user=owner, name="Response", kind=OutcomeKind.PROPORTION
        ),
        "survival": services.outcome_create(
            review=review, user=owner, name="Leukemia-free survival", kind=OutcomeKind.TIME_TO_EVENT
        ),
    }


@pytest.fixture
def study(review, owner, form):
    study = services.study_create(review=review, user=owner, label="Baer 2008")
    services.arm_create(study=study, user=owner, label="IL-2", intervention="Interleukin-2")
    services.arm_create(study=study, user=owner, label="Observation")
    return study


@pytest.fixture
def arms(study):
    experimental, control = study.arms.order_by("position")
    return experimental, control


@pytest.fixture
def save(reviewer):
    """Save a cell of an extraction as someone (the reviewer by default), based on its current version."""
    from extraction.models import ExtractedValue

    def _save(extraction, cell, value, user=None, based_on=None):
        if based_on is None:
            stored = ExtractedValue.objects.filter(extraction=extraction, cell=cell).first()
            based_on = stored.version if stored else 0
        return services.value_save(
            extraction=extraction, user=user or reviewer, cell=cell, value=value, based_on_version=based_on
        )

    return _save
